using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

public class RedisOptionsTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:56379", "127.0.0.1", 56379, null, null, 0)]
    [InlineData("redis://localhost", "localhost", 6379, null, null, 0)]
    [InlineData("redis://:s3cret@10.0.0.5:6380/3", "10.0.0.5", 6380, null, "s3cret", 3)]
    [InlineData("redis://ingest:p%40ss@redis.internal:6379/0", "redis.internal", 6379, "ingest", "p@ss", 0)]
    [InlineData("redis://[::1]:7000/2", "::1", 7000, null, null, 2)]
    public void Parse_ValidConnectionString_ReadsEveryPart(string text, string host, int port, string? user, string? password, int db)
    {
        RedisOptions options = RedisOptions.Parse(text);
        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
        Assert.Equal(user, options.User);
        Assert.Equal(password, options.Password);
        Assert.Equal(db, options.Database);
    }

    [Theory]
    [InlineData("127.0.0.1:6379")]
    [InlineData("http://127.0.0.1:6379")]
    [InlineData("redis://127.0.0.1:6379/x")]
    [InlineData("redis://127.0.0.1:6379/-1")]
    public void Parse_InvalidConnectionString_ThrowsFormatException(string text) =>
        Assert.Throws<FormatException>(() => RedisOptions.Parse(text));

    [Fact]
    public void ToString_WithPassword_DoesNotRevealIt()
    {
        RedisOptions options = RedisOptions.Parse("redis://:s3cret@127.0.0.1:6380/1");
        Assert.Equal("redis://127.0.0.1:6380/1", options.ToString());
    }
}
