using System.Buffers;
using Vpn.Perf.Ingest.Spool;
using static Vpn.Perf.Ingest.Tests.Spool.SpoolTestHelpers;

namespace Vpn.Perf.Ingest.Tests.Spool;

public sealed class DurableSpoolTests
{
    [Fact]
    public async Task AppendAsync_ManyRecordsAcrossSegmentRolls_ReadBackInOrderWithIntactPayloads()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path, segmentBytes: 8 * 1024);
        Guid node = NodeId(1);
        var positions = new List<SpoolPosition>();
        for (ulong seq = 1; seq <= 300; seq++)
        {
            positions.Add(await AppendOkAsync(spool, node, seq, Payload(1, seq, 100 + (int)(seq * 37 % 2900))));
        }

        Assert.True(spool.SegmentCount > 10, $"expected many segments, got {spool.SegmentCount}");
        Assert.Equal(300, spool.AppendedRecords);

        List<ReadRecord> read = ReadAvailable(spool.Reader);
        Assert.Equal(300, read.Count);
        for (int i = 0; i < read.Count; i++)
        {
            ulong seq = (ulong)i + 1;
            Assert.Equal(node, read[i].NodeId);
            Assert.Equal(seq, read[i].Seq);
            Assert.Equal(1_700_000_000_000 + (long)seq, read[i].ReceivedAtMs);
            Assert.Equal(Payload(1, seq, 100 + (int)(seq * 37 % 2900)), read[i].Payload);
            Assert.Equal(positions[i], read[i].Position);
        }
    }

    [Fact]
    public async Task AppendAsync_ConcurrentRecordsOfMixedSizes_EachReadBackAsAppended()
    {
        // Appends reuse their record buffers (pooled, kept up to 64 KiB; larger ones rented): records of sizes on both
        // sides of that, appended together in waves, must each come back with their own bytes.
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path, segmentBytes: 4 << 20);
        Guid node = NodeId(3);
        int[] sizes = [100, 70 * 1024, 30 * 1024, 64 * 1024 - 200, 200 * 1024, 12 * 1024];
        const int Waves = 8, PerWave = 48;
        for (int wave = 0; wave < Waves; wave++)
        {
            var appends = new Task<SpoolPosition>[PerWave];
            for (int i = 0; i < PerWave; i++)
            {
                ulong seq = (ulong)(wave * PerWave + i + 1);
                appends[i] = Task.Run(() => AppendOkAsync(spool, node, seq, Payload(3, seq, sizes[(int)(seq % (ulong)sizes.Length)])));
            }
            await Task.WhenAll(appends);
        }

        List<ReadRecord> read = ReadAvailable(spool.Reader);
        Assert.Equal(Waves * PerWave, read.Count);
        Assert.All(read, r => Assert.Equal(Payload(3, r.Seq, sizes[(int)(r.Seq % (ulong)sizes.Length)]), r.Payload));
        Assert.Equal(Waves * PerWave, read.Select(r => r.Seq).Distinct().Count());
    }

    [Theory]
    [InlineData(0L, false)]            // the consumer is behind: what was made durable leaves the page cache
    [InlineData(256L << 20, true)]     // the consumer keeps up: the tail it reads next stays cached
    public async Task AppendAsync_BacklogOverCachedBytes_DropsDurablePagesAndStillReadsThemBack(long cachedBacklogBytes, bool cached)
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path, segmentBytes: 3 << 20, cachedBacklogBytes: cachedBacklogBytes);
        Guid node = NodeId(1);
        const int Records = 640; // 10 MiB: three sealed segments and part of a fourth
        for (ulong seq = 1; seq <= Records; seq++)
        {
            await AppendOkAsync(spool, node, seq, Payload(1, seq, 16 * 1024));
        }

        string[] segments = Directory.GetFiles(dir.Path, "*" + SpoolFormat.SegmentExtension).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, segments.Length);
        foreach (string sealedSegment in segments[..^1])
        {
            double resident = PageCache.ResidentShare(sealedSegment);
            if (cached) Assert.True(resident > 0.9, $"{resident:P0} of {sealedSegment} is cached");
            else Assert.True(resident < 0.05, $"{resident:P0} of {sealedSegment} is still cached");
        }

        List<ReadRecord> read = ReadAvailable(spool.Reader);
        Assert.Equal(Records, read.Count);
        for (int i = 0; i < read.Count; i++) Assert.Equal(Payload(1, (ulong)i + 1, 16 * 1024), read[i].Payload);
    }

    [Fact]
    public async Task Open_AfterDispose_ReturnsExactlyTheUncommittedRecords()
    {
        using var dir = new SpoolTestDirectory();
        Guid node = NodeId(2);
        await using (DurableSpool spool = Open(dir.Path, segmentBytes: 16 * 1024))
        {
            for (ulong seq = 1; seq <= 50; seq++)
            {
                await AppendOkAsync(spool, node, seq, Payload(2, seq, 700));
            }

            SpoolRecord last = default;
            for (int i = 0; i < 20; i++)
            {
                Assert.True(spool.Reader.TryRead(out last));
            }

            Assert.Equal(20UL, last.Seq);
            await spool.Reader.CommitAsync(last.End, CancellationToken.None);
        }

        await using (DurableSpool reopened = Open(dir.Path, segmentBytes: 16 * 1024))
        {
            List<ReadRecord> read = ReadAvailable(reopened.Reader);
            Assert.Equal(30, read.Count);
            for (int i = 0; i < read.Count; i++)
            {
                Assert.Equal((ulong)i + 21, read[i].Seq);
                Assert.Equal(Payload(2, (ulong)i + 21, 700), read[i].Payload);
            }

            Assert.Equal(30L * (SpoolFormat.RecordHeaderSize + 700), reopened.BacklogBytes);
        }
    }

    [Fact]
    public async Task Open_RecordsFoundOnDisk_BeforeRecoveredEndWhateverTheirTimestamps()
    {
        // What RecoveryReplay re-applies to Redis: a clock stepped back across the restart stamps the old record later
        // than the new one, and the positions still tell which process appended which.
        using var dir = new SpoolTestDirectory();
        Guid node = NodeId(3);
        long future = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        await using (DurableSpool spool = Open(dir.Path, segmentBytes: 16 * 1024))
        {
            Assert.Equal(SpoolAppendStatus.Appended,
                (await spool.AppendAsync(node, 1, future, new ReadOnlySequence<byte>(Payload(3, 1, 500)), CancellationToken.None)).Status);
        }

        await using (DurableSpool reopened = Open(dir.Path, segmentBytes: 16 * 1024))
        {
            Assert.Equal(SpoolAppendStatus.Appended,
                (await reopened.AppendAsync(node, 2, 0, new ReadOnlySequence<byte>(Payload(3, 2, 500)), CancellationToken.None)).Status);

            List<ReadRecord> read = ReadAvailable(reopened.Reader);
            Assert.Equal([1UL, 2UL], read.Select(r => r.Seq));
            Assert.True(read[0].Position < reopened.RecoveredEnd);
            Assert.True(read[1].Position >= reopened.RecoveredEnd);
        }
    }

    [Fact]
    public async Task CommitAsync_PastSealedSegments_DeletesThemAndPersistsAcrossReopen()
    {
        using var dir = new SpoolTestDirectory();
        Guid node = NodeId(3);
        SpoolPosition checkpoint;
        await using (DurableSpool spool = Open(dir.Path, segmentBytes: 8 * 1024))
        {
            for (ulong seq = 1; seq <= 100; seq++)
            {
                await AppendOkAsync(spool, node, seq, Payload(3, seq, 1000));
            }

            int before = SegmentFiles(dir.Path).Length;
            Assert.True(before > 5);
            List<ReadRecord> read = ReadAvailable(spool.Reader);
            Assert.Equal(100, read.Count);
            await spool.Reader.CommitAsync(read[^1].End, CancellationToken.None);

            Assert.Equal(0, spool.BacklogBytes);
            Assert.Single(SegmentFiles(dir.Path));
            Assert.Equal(1, spool.SegmentCount);
            checkpoint = spool.Checkpoint;
        }

        await using (DurableSpool reopened = Open(dir.Path, segmentBytes: 8 * 1024))
        {
            Assert.Equal(checkpoint, reopened.Checkpoint);
            Assert.Equal(0, reopened.BacklogBytes);
            Assert.Empty(ReadAvailable(reopened.Reader));

            await AppendOkAsync(reopened, node, 101, Payload(3, 101, 1000));
            List<ReadRecord> read = ReadAvailable(reopened.Reader);
            Assert.Equal(101UL, Assert.Single(read).Seq);
        }
    }

    [Fact]
    public async Task CommitAsync_PartOfTheBacklog_ShrinksBacklogByCommittedRecordBytes()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path, segmentBytes: 4096);
        for (ulong seq = 1; seq <= 40; seq++)
        {
            await AppendOkAsync(spool, NodeId(4), seq, Payload(4, seq, 500));
        }

        const long recordBytes = SpoolFormat.RecordHeaderSize + 500;
        Assert.Equal(40 * recordBytes, spool.BacklogBytes);
        SpoolRecord last = default;
        for (int i = 0; i < 15; i++)
        {
            Assert.True(spool.Reader.TryRead(out last));
        }

        await spool.Reader.CommitAsync(last.End, CancellationToken.None);
        Assert.Equal(25 * recordBytes, spool.BacklogBytes);

        await spool.Reader.CommitAsync(last.End, CancellationToken.None); // repeating a commit is a no-op
        Assert.Equal(25 * recordBytes, spool.BacklogBytes);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentAppenders_AllDurableAndReadInPerTaskOrder()
    {
        const int Tasks = 8;
        const int PerTask = 500;
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path, segmentBytes: 256 * 1024);

        var appenders = new Task[Tasks];
        for (int t = 0; t < Tasks; t++)
        {
            int task = t;
            appenders[t] = Task.Run(async () =>
            {
                for (ulong seq = 1; seq <= PerTask; seq++)
                {
                    await AppendOkAsync(spool, NodeId(100 + task), seq, Payload((ulong)(100 + task), seq, 64 + (int)(seq % 2000)));
                }
            });
        }

        await Task.WhenAll(appenders).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(Tasks * PerTask, spool.AppendedRecords);
        Assert.InRange(spool.SyncCount, 1, Tasks * PerTask);

        List<ReadRecord> read = ReadAvailable(spool.Reader);
        Assert.Equal(Tasks * PerTask, read.Count);
        var nextSeq = new Dictionary<Guid, ulong>();
        foreach (ReadRecord r in read)
        {
            ulong expected = nextSeq.GetValueOrDefault(r.NodeId, 1UL);
            Assert.Equal(expected, r.Seq);
            int key = BitConverter.ToInt32(r.NodeId.ToByteArray(), 0);
            Assert.Equal(Payload((ulong)key, r.Seq, 64 + (int)(r.Seq % 2000)), r.Payload);
            nextSeq[r.NodeId] = expected + 1;
        }

        Assert.Equal(Tasks, nextSeq.Count);
    }

    [Fact]
    public async Task AppendAsync_BacklogAtCap_ReturnsFullUntilTheConsumerCommits()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path, maxBacklogBytes: 10 * 1024);
        byte[] payload = Payload(5, 0, 1024);
        int appended = 0;
        SpoolAppendResult result = default;
        for (ulong seq = 1; seq <= 100; seq++)
        {
            result = await spool.AppendAsync(NodeId(5), seq, 0, new ReadOnlySequence<byte>(payload), CancellationToken.None);
            if (result.Status != SpoolAppendStatus.Appended)
            {
                break;
            }

            appended++;
        }

        Assert.Equal(SpoolAppendStatus.Full, result.Status);
        Assert.True(spool.IsFull);
        Assert.Equal(10, appended); // 10 x 1064 bytes reaches the 10240-byte cap

        List<ReadRecord> read = ReadAvailable(spool.Reader);
        Assert.Equal(appended, read.Count);
        await spool.Reader.CommitAsync(read[^1].End, CancellationToken.None);

        Assert.False(spool.IsFull);
        result = await spool.AppendAsync(NodeId(5), 1000, 0, new ReadOnlySequence<byte>(payload), CancellationToken.None);
        Assert.Equal(SpoolAppendStatus.Appended, result.Status);
    }

    [Fact]
    public async Task WaitToReadAsync_RecordAppendedLater_CompletesTrue()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Task<bool> wait = spool.Reader.WaitToReadAsync(timeout.Token).AsTask();
        Assert.False(spool.Reader.TryRead(out _));
        await AppendOkAsync(spool, NodeId(6), 1, Payload(6, 1, 10));

        Assert.True(await wait);
        Assert.True(spool.Reader.TryRead(out SpoolRecord record));
        Assert.Equal(1UL, record.Seq);
    }

    [Fact]
    public async Task WaitToReadAsync_SpoolDisposed_CompletesFalse()
    {
        using var dir = new SpoolTestDirectory();
        DurableSpool spool = Open(dir.Path);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task<bool> wait = spool.Reader.WaitToReadAsync(timeout.Token).AsTask();
        await spool.DisposeAsync();
        Assert.False(await wait);
    }

    [Fact]
    public async Task AppendAsync_AfterDispose_ThrowsObjectDisposed()
    {
        using var dir = new SpoolTestDirectory();
        DurableSpool spool = Open(dir.Path);
        await spool.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(
            async () => await spool.AppendAsync(NodeId(7), 1, 0, ReadOnlySequence<byte>.Empty, CancellationToken.None));
    }

    [Fact]
    public async Task AppendAsync_PayloadOverLimit_ThrowsBeforeWriting()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path);
        var payload = new ReadOnlySequence<byte>(new byte[SpoolFormat.MaxPayloadBytes + 1]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await spool.AppendAsync(NodeId(8), 1, 0, payload, CancellationToken.None));
        Assert.Equal(0, spool.BacklogBytes);
    }

    [Fact]
    public async Task AppendAsync_MultiSegmentPayload_StoredContiguously()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path);
        byte[] expected = Payload(9, 1, 5000);
        ReadOnlySequence<byte> fragmented = TestSequence.Create(expected, 7);

        SpoolAppendResult result = await spool.AppendAsync(NodeId(9), 1, 0, fragmented, CancellationToken.None);

        Assert.Equal(SpoolAppendStatus.Appended, result.Status);
        Assert.Equal(expected, Assert.Single(ReadAvailable(spool.Reader)).Payload);
    }

    [Fact]
    public async Task CommitAsync_BeyondReadPosition_Throws()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path);
        SpoolPosition first = await AppendOkAsync(spool, NodeId(10), 1, Payload(10, 1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => spool.Reader.CommitAsync(first with { Offset = first.Offset + 50 }, CancellationToken.None));
    }

    [Fact]
    public async Task Open_SecondInstanceOnSameDirectory_Throws()
    {
        using var dir = new SpoolTestDirectory();
        await using DurableSpool spool = Open(dir.Path);
        Assert.ThrowsAny<IOException>(() => Open(dir.Path));
    }

    [Fact]
    public void Crc32C_StandardCheckValue_Matches()
    {
        // The CRC-32C check value from the CRC catalogue (RFC 3720 uses the same polynomial).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }
}
