using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Vpn.Perf.Ingest.Spool;
using static Vpn.Perf.Ingest.Tests.Spool.SpoolTestHelpers;

namespace Vpn.Perf.Ingest.Tests.Spool;

public sealed class DurableSpoolRecoveryTests
{
    private const int LastPayload = 150;

    /// <summary>Writes 5 records (the last with a 150-byte payload) into one segment; returns the last record's start.</summary>
    private static async Task<(string Segment, long LastStart, long Length)> WriteFiveAsync(string directory)
    {
        SpoolPosition last = default;
        await using (DurableSpool spool = Open(directory))
        {
            for (ulong seq = 1; seq <= 5; seq++)
            {
                last = await AppendOkAsync(spool, NodeId(20), seq, Payload(20, seq, seq == 5 ? LastPayload : 300));
            }
        }

        string segment = Assert.Single(SegmentFiles(directory));
        return (segment, last.Offset, new FileInfo(segment).Length);
    }

    private static async Task AssertFirstFourThenAppendableAsync(string directory, ListLogger logger, long expectedLength)
    {
        await using DurableSpool spool = Open(directory, logger: logger);
        List<ReadRecord> read = ReadAvailable(spool.Reader);
        Assert.Equal([1UL, 2UL, 3UL, 4UL], read.ConvertAll(r => r.Seq));
        Assert.All(read, r => Assert.Equal(Payload(20, r.Seq, 300), r.Payload));
        Assert.Equal(expectedLength, new FileInfo(Assert.Single(SegmentFiles(directory))).Length);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("torn tail", StringComparison.Ordinal));

        // The truncated spool keeps working: a new record lands where the torn one was.
        SpoolPosition position = await AppendOkAsync(spool, NodeId(20), 6, Payload(20, 6, 10));
        Assert.Equal(expectedLength, position.Offset);
        Assert.Equal(6UL, Assert.Single(ReadAvailable(spool.Reader)).Seq);
    }

    [Fact]
    public async Task Open_Reopened_KeepsTheIdItMadeFirst()
    {
        using var dir = new SpoolTestDirectory();
        Guid first;
        await using (DurableSpool spool = Open(dir.Path))
        {
            first = spool.Id;
        }

        Assert.NotEqual(Guid.Empty, first);
        Assert.Equal(first.ToString("N") + "\n", File.ReadAllText(Path.Combine(dir.Path, SpoolFormat.IdFileName)));
        await using DurableSpool again = Open(dir.Path);
        Assert.Equal(first, again.Id); // the claims it made are recognised after a restart
    }

    [Fact]
    public async Task Open_DamagedIdFile_ThrowsSpoolCorruptException()
    {
        using var dir = new SpoolTestDirectory();
        await using (Open(dir.Path))
        {
        }

        File.WriteAllText(Path.Combine(dir.Path, SpoolFormat.IdFileName), "not an id\n");
        SpoolCorruptException ex = Assert.Throws<SpoolCorruptException>(() => Open(dir.Path));
        Assert.Contains(SpoolFormat.IdFileName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_LastRecordCutAtEveryOffset_TruncatesItAndKeepsEverythingBefore()
    {
        using var dir = new SpoolTestDirectory();
        string pristine = dir.Sub("pristine");
        (string segment, long lastStart, long length) = await WriteFiveAsync(pristine);
        Assert.Equal(lastStart + SpoolFormat.RecordHeaderSize + LastPayload, length);

        for (long cut = lastStart + 1; cut < length; cut++)
        {
            string work = dir.Sub($"cut-{cut}");
            SpoolTestDirectory.CopyFiles(pristine, work);
            using (var stream = new FileStream(Path.Combine(work, Path.GetFileName(segment)), FileMode.Open))
            {
                stream.SetLength(cut);
            }

            await AssertFirstFourThenAppendableAsync(work, new ListLogger(), lastStart);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Open_FlippedByteAnywhereInLastRecord_TruncatesItAndKeepsEverythingBefore()
    {
        using var dir = new SpoolTestDirectory();
        string pristine = dir.Sub("pristine");
        (string segment, long lastStart, long length) = await WriteFiveAsync(pristine);

        for (long at = lastStart; at < length; at++)
        {
            string work = dir.Sub($"flip-{at}");
            SpoolTestDirectory.CopyFiles(pristine, work);
            FlipByte(Path.Combine(work, Path.GetFileName(segment)), at);

            await AssertFirstFourThenAppendableAsync(work, new ListLogger(), lastStart);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Open_HostileLengthInLastRecord_TruncatesWithoutLargeAllocation()
    {
        using var dir = new SpoolTestDirectory();
        (string segment, long lastStart, _) = await WriteFiveAsync(dir.Path);
        WriteUInt32(segment, lastStart, 0xFFFF_FFF0u);

        long before = GC.GetAllocatedBytesForCurrentThread();
        DurableSpool spool = Open(dir.Path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await using (spool)
        {
            Assert.Equal(4, ReadAvailable(spool.Reader).Count);
        }

        Assert.True(allocated < 4 * 1024 * 1024, $"Open allocated {allocated} bytes");
    }

    [Fact]
    public async Task Open_CorruptRecordInMiddleSegment_RefusesNamingFileAndOffset()
    {
        using var dir = new SpoolTestDirectory();
        long corruptAt = await WriteSegmentsAsync(dir.Path);
        string first = SegmentFiles(dir.Path)[0];
        FlipByte(first, corruptAt + SpoolFormat.RecordHeaderSize + 10); // inside the payload of the second record
        long lengthBefore = new FileInfo(first).Length;

        SpoolCorruptException error = Assert.Throws<SpoolCorruptException>(() => Open(dir.Path, segmentBytes: 4096));

        Assert.Contains(first, error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {corruptAt}", error.Message, StringComparison.Ordinal);
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
        Assert.Equal(lengthBefore, new FileInfo(first).Length); // nothing was truncated
    }

    [Fact]
    public async Task Open_HostileLengthInMiddleSegment_RefusesWithoutLargeAllocation()
    {
        using var dir = new SpoolTestDirectory();
        long at = await WriteSegmentsAsync(dir.Path);
        string first = SegmentFiles(dir.Path)[0];
        WriteUInt32(first, at, 0x7FFF_FFF0u);

        long before = GC.GetAllocatedBytesForCurrentThread();
        SpoolCorruptException error = Assert.Throws<SpoolCorruptException>(() => Open(dir.Path, segmentBytes: 4096));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("exceeds the limit", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 4 * 1024 * 1024, $"Open allocated {allocated} bytes");
    }

    [Fact]
    public async Task Open_MiddleSegmentCutShort_Refuses()
    {
        using var dir = new SpoolTestDirectory();
        await WriteSegmentsAsync(dir.Path);
        string first = SegmentFiles(dir.Path)[0];
        using (var stream = new FileStream(first, FileMode.Open))
        {
            stream.SetLength(stream.Length - 5);
        }

        SpoolCorruptException error = Assert.Throws<SpoolCorruptException>(() => Open(dir.Path, segmentBytes: 4096));
        Assert.Contains(first, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_MissingMiddleSegment_Refuses()
    {
        using var dir = new SpoolTestDirectory();
        await WriteSegmentsAsync(dir.Path);
        string[] files = SegmentFiles(dir.Path);
        Assert.True(files.Length >= 3);
        File.Delete(files[1]);

        SpoolCorruptException error = Assert.Throws<SpoolCorruptException>(() => Open(dir.Path, segmentBytes: 4096));
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_CorruptCheckpoint_Refuses()
    {
        using var dir = new SpoolTestDirectory();
        await using (DurableSpool spool = Open(dir.Path))
        {
            await AppendOkAsync(spool, NodeId(21), 1, Payload(21, 1, 10));
            Assert.True(spool.Reader.TryRead(out SpoolRecord record));
            await spool.Reader.CommitAsync(record.End, CancellationToken.None);
        }

        FlipByte(Path.Combine(dir.Path, SpoolFormat.CheckpointFileName), 12);

        SpoolCorruptException error = Assert.Throws<SpoolCorruptException>(() => Open(dir.Path));
        Assert.Contains("checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_EmptySegmentLeftByCrashDuringRoll_ReinitialisesItAndKeepsData()
    {
        using var dir = new SpoolTestDirectory();
        await using (DurableSpool spool = Open(dir.Path))
        {
            await AppendOkAsync(spool, NodeId(22), 1, Payload(22, 1, 100));
        }

        // A crash after creating the next segment's name but before its header reached the disk.
        File.WriteAllBytes(Path.Combine(dir.Path, SpoolFormat.SegmentFileName(2)), []);
        var logger = new ListLogger();

        await using (DurableSpool reopened = Open(dir.Path, logger: logger))
        {
            Assert.Equal(2, reopened.SegmentCount);
            Assert.Equal(1UL, Assert.Single(ReadAvailable(reopened.Reader)).Seq);
            await AppendOkAsync(reopened, NodeId(22), 2, Payload(22, 2, 100));
            Assert.Equal(2UL, Assert.Single(ReadAvailable(reopened.Reader)).Seq);
        }

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("re-initialised", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_StaleSegmentsBehindCheckpoint_AreRemoved()
    {
        using var dir = new SpoolTestDirectory();
        string backup = dir.Sub("backup");
        string live = dir.Sub("live");
        await WriteSegmentsAsync(live);
        SpoolTestDirectory.CopyFiles(live, backup);
        await using (DurableSpool spool = Open(live, segmentBytes: 4096))
        {
            List<ReadRecord> read = ReadAvailable(spool.Reader);
            await spool.Reader.CommitAsync(read[^1].End, CancellationToken.None);
        }

        // Put the deleted segments back, as a crash between the checkpoint rename and the deletes would leave them.
        foreach (string file in SegmentFiles(backup))
        {
            string target = Path.Combine(live, Path.GetFileName(file));
            if (!File.Exists(target))
            {
                File.Copy(file, target);
            }
        }

        await using (DurableSpool reopened = Open(live, segmentBytes: 4096))
        {
            Assert.Empty(ReadAvailable(reopened.Reader));
            Assert.Equal(1, reopened.SegmentCount);
        }

        Assert.Single(SegmentFiles(live));
    }

    /// <summary>Fills several 4 KiB segments with 1000-byte records; returns the offset of the second record.</summary>
    private static async Task<long> WriteSegmentsAsync(string directory)
    {
        SpoolPosition second = default;
        await using DurableSpool spool = Open(directory, segmentBytes: 4096);
        for (ulong seq = 1; seq <= 12; seq++)
        {
            SpoolPosition position = await AppendOkAsync(spool, NodeId(23), seq, Payload(23, seq, 1000));
            if (seq == 2)
            {
                second = position;
            }
        }

        Assert.True(spool.SegmentCount >= 3);
        Assert.Equal(SpoolFormat.SegmentHeaderSize + SpoolFormat.RecordHeaderSize + 1000, second.Offset);
        return second.Offset;
    }

    private static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0x40));
    }

    private static void WriteUInt32(string path, long offset, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        stream.Write(bytes);
    }
}
