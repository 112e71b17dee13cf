using System.Globalization;
using System.Text;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.RowBinary;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

/// <summary>Against the real ClickHouse server started by `bash tests/infra/test.sh`.</summary>
public sealed class ClickHouseClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task InsertRowBinaryAsync_EveryType_RoundTripsThroughTabSeparated()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync(
            "CREATE TABLE all_types (id UInt32, u8 UInt8, u16 UInt16, u64 UInt64, i64 Int64, f64 Float64, d Date, dt DateTime, " +
            "uuid UUID, s String, n Nullable(UInt64)) ENGINE = MergeTree ORDER BY id", null, None);
        var uuids = new[] { Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), Guid.Parse("ffeeddcc-bbaa-9988-7766-554433221100"), Guid.CreateVersion7() };

        using var buffer = new PooledBufferWriter(64);
        var w = new RowBinaryWriter(buffer);
        for (int i = 0; i < uuids.Length; i++)
        {
            byte[] s = Encoding.UTF8.GetBytes(i == 0 ? "tab\there\nnew 'q' \\ ü" : "");
            w.BeginRow(4 + 1 + 2 + 8 + 8 + 8 + 2 + 4 + 16 + RowBinarySizes.String(s.Length) + 1 + 8); // every column, at most
            w.WriteUInt32((uint)i);
            w.WriteUInt8(i == 0 ? byte.MaxValue : (byte)i);
            w.WriteUInt16(i == 0 ? ushort.MaxValue : (ushort)i);
            w.WriteUInt64(i == 0 ? ulong.MaxValue : (ulong)i);
            w.WriteInt64(i == 0 ? long.MinValue : -i);
            w.WriteFloat64(i == 0 ? 0.1 : -1.5e300);
            w.WriteDate((ushort)(19723 + i));
            w.WriteDateTime(i == 0 ? uint.MaxValue : 1704067200u + (uint)i);
            w.WriteUuid(uuids[i]);
            w.WriteString(s);
            w.WriteNullMarker(i == 1);
            if (i != 1) w.WriteUInt64((ulong)i * 10);
            w.EndRow();
        }
        await db.Client.InsertRowBinaryAsync("all_types", "id, u8, u16, u64, i64, f64, d, dt, uuid, s, n", buffer.WrittenMemory, None);

        List<string[]> rows = await db.Client.QueryRowsAsync(
            "SELECT id, u8, u16, u64, i64, f64, toString(d), toUnixTimestamp(dt), toString(uuid), s, n FROM all_types ORDER BY id", null, None);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["0", "255", "65535", "18446744073709551615", "-9223372036854775808", "0.1", "2024-01-01", "4294967295",
            "00112233-4455-6677-8899-aabbccddeeff", "tab\there\nnew 'q' \\ ü", "0"], rows[0]);
        Assert.Equal(["1", "1", "1", "1", "-1", "-1.5e300", "2024-01-02", "1704067201",
            "ffeeddcc-bbaa-9988-7766-554433221100", "", "\\N"], rows[1]);
        Assert.Equal(uuids[2].ToString(), rows[2][8]);
        Assert.Equal("20", rows[2][10]);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_Uuid_OrdersLikeServerUuidFunctions()
    {
        // The server's own view of the bytes: UUIDNumToString of the RFC bytes must equal what we inserted.
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync("CREATE TABLE u (u UUID) ENGINE = MergeTree ORDER BY u", null, None);
        Guid g = Guid.Parse("0189a3b4-c5d6-7e8f-9012-3456789abcde");
        using var buffer = new PooledBufferWriter(64);
        var w = new RowBinaryWriter(buffer);
        w.BeginRow(RowBinarySizes.Uuid);
        w.WriteUuid(g);
        w.EndRow();
        await db.Client.InsertRowBinaryAsync("u", "u", buffer.WrittenMemory, None);
        string hex = await db.ScalarAsync("SELECT hex(UUIDStringToNum(toString(u))) FROM u WHERE u = {g}", new ClickHouseParameters().Add("g", g));
        Assert.Equal(Convert.ToHexString(g.ToByteArray(bigEndian: true)), hex);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_StringsWithEveryByteValue_RoundTripExactly()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync("CREATE TABLE s (id UInt32, s String) ENGINE = MergeTree ORDER BY id", null, None);
        byte[] all = new byte[256];
        for (int i = 0; i < all.Length; i++) all[i] = (byte)i;
        byte[] big = new byte[70_000]; // a 3-byte LEB128 prefix
        for (int i = 0; i < big.Length; i++) big[i] = (byte)(i * 7);

        using var buffer = new PooledBufferWriter(64);
        var w = new RowBinaryWriter(buffer);
        for (int i = 0; i < 256; i++)
        {
            w.BeginRow(4 + RowBinarySizes.String(1));
            w.WriteUInt32((uint)i);
            w.WriteString(all.AsSpan(i, 1));
            w.EndRow();
        }
        w.BeginRow(4 + RowBinarySizes.String(all.Length));
        w.WriteUInt32(256);
        w.WriteString(all);
        w.EndRow();
        w.BeginRow(4 + RowBinarySizes.String(big.Length));
        w.WriteUInt32(257);
        w.WriteString(big);
        w.EndRow();
        await db.Client.InsertRowBinaryAsync("s", "id, s", buffer.WrittenMemory, None);

        List<string[]> rows = await db.Client.QueryRowsAsync("SELECT id, hex(s), length(s) FROM s ORDER BY id", null, None);
        Assert.Equal(258, rows.Count);
        for (int i = 0; i < 256; i++) Assert.Equal(((byte)i).ToString("X2", CultureInfo.InvariantCulture), rows[i][1]);
        Assert.Equal(Convert.ToHexString(all), rows[256][1]);
        Assert.Equal(Convert.ToHexString(big), rows[257][1]);
        Assert.Equal("70000", rows[257][2]);

        // The TSV path: every byte below 0x80 survives escaping and unescaping as the same character.
        List<string[]> ascii = await db.Client.QueryRowsAsync("SELECT substring(s, 1, 128) FROM s WHERE id = 256", null, None);
        Assert.Equal(Encoding.ASCII.GetString(all, 0, 128), ascii[0][0]);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_HundredThousandRows_AllLandWithLedger()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync();
        const int Rows = 100_000;
        using var buffer = new PooledBufferWriter(Rows * TrafficTables.TrafficRowBytes);
        var w = new RowBinaryWriter(buffer);
        Guid node = TestRows.Id(1), inbound = TestRows.Id(2);
        for (int i = 0; i < Rows; i++)
        {
            var row = new TrafficRow(1709251200 + (i % 86_400), 60, TestRows.Id(1000 + (i % 500)), inbound, node, 42, (ulong)i, 2, 1709251200);
            TrafficTables.WriteTraffic(ref w, row);
        }
        Assert.Equal(Rows * 86, buffer.WrittenCount);
        await db.Client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, None);

        Assert.Equal("100000\t4999950000\t200000\t500", await db.ScalarAsync("SELECT count(), sum(bytes_up), sum(bytes_down), uniqExact(subscription_id) FROM traffic"));
        Assert.Equal("100000", await db.ScalarAsync("SELECT sum(rows) FROM traffic_batches WHERE seq = 42"));
    }

    [Fact]
    public async Task InsertRowBinaryAsync_MultiSegmentSequence_SendsAllSegments()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync("CREATE TABLE n (x UInt64) ENGINE = MergeTree ORDER BY x", null, None);
        byte[] bytes = new byte[8 * 100];
        for (int i = 0; i < 100; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), (ulong)i);
        // Segments split inside values: the body is a byte stream, rows need not align with segments.
        var sequence = Segments.SplitAt(bytes, 3, 77, 400);
        await db.Client.InsertRowBinaryAsync("n", "x", sequence, None);
        Assert.Equal("100\t4950", await db.ScalarAsync("SELECT count(), sum(x) FROM n"));
    }

    [Theory]
    [InlineData("' OR 1=1 --")]
    [InlineData("\\' OR 1=1 --")]
    [InlineData("\\\\' OR 1=1 --")]
    [InlineData("x'; DROP TABLE victims; --")]
    [InlineData("x\\")]
    [InlineData("\\")]
    [InlineData("''")]
    [InlineData("\0' OR '1'='1")]
    [InlineData("\n-- comment\n' OR 1=1")]
    [InlineData("{name} {x}")]
    [InlineData("`) OR 1=1 /*")]
    [InlineData("\"' OR \"\"=\"")]
    [InlineData("\u00e9\u2028\ud83d\ude00' OR 1=1")]
    [InlineData("\\x27 OR 1=1")]
    public async Task QueryRowsAsync_InjectionAttemptAsStringParameter_IsOneLiteral(string attack)
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync("CREATE TABLE victims (name String) ENGINE = MergeTree ORDER BY name", null, None);
        await db.Client.ExecuteAsync("INSERT INTO victims VALUES ('alice'), ('bob')", null, None);

        List<string[]> echo = await db.Client.QueryRowsAsync("SELECT {s}, length({s2})", new ClickHouseParameters().Add("s", attack).Add("s2", attack), None);
        Assert.Equal(attack, echo[0][0]);
        Assert.Equal(Encoding.UTF8.GetByteCount(attack).ToString(CultureInfo.InvariantCulture), echo[0][1]);

        List<string[]> matched = await db.Client.QueryRowsAsync("SELECT count() FROM victims WHERE name = {s}", new ClickHouseParameters().Add("s", attack), None);
        Assert.Equal("0", matched[0][0]);
        Assert.Equal("2", await db.ScalarAsync("SELECT count() FROM victims"));
    }

    [Fact]
    public async Task QueryRowsAsync_EveryAsciiCharacterParameter_EchoesExactly()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        var chars = new char[128];
        for (int i = 0; i < chars.Length; i++) chars[i] = (char)i;
        string all = new(chars);
        List<string[]> rows = await db.Client.QueryRowsAsync("SELECT {s}, hex({s2})", new ClickHouseParameters().Add("s", all).Add("s2", all), None);
        Assert.Equal(all, rows[0][0]);
        Assert.Equal(Convert.ToHexString(Encoding.ASCII.GetBytes(all)), rows[0][1]);
    }

    [Fact]
    public async Task QueryTextAsync_JsonEachRow_ReturnsServerText()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        string text = await db.Client.QueryTextAsync(
            "SELECT {id} AS id, {n} AS n FORMAT JSONEachRow", new ClickHouseParameters().Add("id", TestRows.Id(5)).Add("n", 3UL), None);
        Assert.Equal("{\"id\":\"00000000-0000-0000-0000-000000000005\",\"n\":3}\n", text);
    }

    [Theory]
    [InlineData("SELECT * FROM no_such_table", 60)]
    [InlineData("SELECT no_such_function()", 46)]
    [InlineData("SELEC 1", 62)]
    public async Task QueryTextAsync_ServerRejects_ThrowsServerExceptionWithCode(string sql, int code)
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        var ex = await Assert.ThrowsAsync<ClickHouseServerException>(() => db.Client.QueryTextAsync(sql, null, None));
        Assert.Equal(code, ex.ErrorCode);
        Assert.True((int)ex.StatusCode >= 400);
        Assert.DoesNotContain("e.what()", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.ServerMessage.Length <= ClickHouseServerException.MaxServerMessageLength);
    }

    [Fact]
    public async Task QueryTextAsync_ErrorAfterFirstBlocks_ThrowsServerException()
    {
        // Without wait_end_of_query the server would answer 200 and append the error to a partial result.
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        var ex = await Assert.ThrowsAsync<ClickHouseServerException>(() => db.Client.QueryTextAsync(
            "SELECT throwIf(number = 90000) FROM system.numbers LIMIT 100000 SETTINGS max_block_size = 1000", null, None));
        Assert.Equal(395, ex.ErrorCode);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_MalformedRows_ThrowsServerExceptionWithoutRowContents()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync("CREATE TABLE s (a String, d Date) ENGINE = MergeTree ORDER BY a", null, None);
        byte[] body = [6, .. "SECRET"u8, 0x01, 0x00, 40, .. "SECRET-SECRET"u8];
        var ex = await Assert.ThrowsAsync<ClickHouseServerException>(() => db.Client.InsertRowBinaryAsync("s", "a, d", body, None));
        Assert.NotEqual(0, ex.ErrorCode);
        Assert.DoesNotContain("SECRET", ex.Message, StringComparison.Ordinal);
        Assert.Equal("0", await db.ScalarAsync("SELECT count() FROM s"));
    }

    [Fact]
    public async Task InsertRowBinaryAsync_UnsafeTableOrColumnName_ThrowsArgumentException()
    {
        using var client = new ClickHouseClient(ClickHouseTestDatabase.BaseOptions);
        await Assert.ThrowsAsync<ArgumentException>(() => client.InsertRowBinaryAsync("t; DROP TABLE x", "a", ReadOnlyMemory<byte>.Empty, None));
        await Assert.ThrowsAsync<ArgumentException>(() => client.InsertRowBinaryAsync("t", "a) SELECT 1 --", ReadOnlyMemory<byte>.Empty, None));
    }

    [Fact]
    public async Task ExecuteAsync_NothingListening_ThrowsUnavailableWithHttpRequestException()
    {
        using var client = new ClickHouseClient(ClickHouseOptions.Parse("http://default@127.0.0.1:1/x"));
        var ex = await Assert.ThrowsAsync<ClickHouseUnavailableException>(() => client.ExecuteAsync("SELECT 1", null, None));
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Fact]
    public async Task QueryTextAsync_SlowerThanRequestTimeout_ThrowsUnavailableWithTimeoutException()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        using var client = new ClickHouseClient(db.Client.Options with { RequestTimeout = TimeSpan.FromMilliseconds(200) });
        var ex = await Assert.ThrowsAsync<ClickHouseUnavailableException>(() => client.QueryTextAsync("SELECT sleep(2)", null, None));
        Assert.IsType<TimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task QueryTextAsync_CallerCancels_ThrowsOperationCanceled()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.Client.QueryTextAsync("SELECT sleep(2)", null, cts.Token));
    }

    [Fact]
    public async Task ExecuteAsync_UnknownUser_ThrowsServerExceptionFromHeaderCredentials()
    {
        using var client = new ClickHouseClient(ClickHouseTestDatabase.BaseOptions with { User = "no_such_user", Database = "default" });
        var ex = await Assert.ThrowsAsync<ClickHouseServerException>(() => client.ExecuteAsync("SELECT 1", null, None));
        Assert.Equal(192, ex.ErrorCode);
    }
}
