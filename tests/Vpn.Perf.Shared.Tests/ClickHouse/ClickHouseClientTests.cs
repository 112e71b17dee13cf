using System.Globalization;
using System.Text;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

/// <summary>Against the real ClickHouse server started by `bash tests/infra/test.sh`.</summary>
public sealed class ClickHouseClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

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
            "SELECT {id} AS id, {n} AS n FORMAT JSONEachRow", new ClickHouseParameters().Add("id", Guid.Parse("00000000-0000-0000-0000-000000000005")).Add("n", 3UL), None);
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
