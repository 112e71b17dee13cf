using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

public sealed class ClickHouseOptionsTests
{
    [Fact]
    public void Parse_FullConnectionString_ReadsEveryPart()
    {
        var o = ClickHouseOptions.Parse("http://bob:p%40ss@127.0.0.1:58123/vpnperf?timeout=2.5&max_insert_block_size=100000");
        Assert.Equal(new Uri("http://127.0.0.1:58123/"), o.Endpoint);
        Assert.Equal("bob", o.User);
        Assert.Equal("p@ss", o.Password);
        Assert.Equal("vpnperf", o.Database);
        Assert.Equal(TimeSpan.FromSeconds(2.5), o.RequestTimeout);
        Assert.Equal("100000", o.Settings["max_insert_block_size"]);
        Assert.DoesNotContain("p@ss", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoUserNoDatabase_UsesDefaults()
    {
        var o = ClickHouseOptions.Parse("http://localhost:8123");
        Assert.Equal("default", o.User);
        Assert.Equal("", o.Password);
        Assert.Equal("default", o.Database);
    }

    [Theory]
    [InlineData("tcp://h:9000/db")]
    [InlineData("not a url")]
    [InlineData("http://h:1/bad-name")]
    [InlineData("http://h:1/db?timeout=-1")]
    [InlineData("http://h:1/db?bad%20key=1")]
    public void Parse_Malformed_ThrowsFormatException(string cs) => Assert.Throws<FormatException>(() => ClickHouseOptions.Parse(cs));
}
