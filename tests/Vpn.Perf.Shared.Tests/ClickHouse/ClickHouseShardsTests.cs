using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

public sealed class ClickHouseShardsTests
{
    /// <summary>
    /// Golden values from ClickHouse 18.16: <c>intHash64(bitXor(hi, lo))</c> of each id (the sharding key of
    /// schema/clickhouse-shards/0002) is 8390037755916913829, 16094954097146694031 and 4761183170873013810; the shard is
    /// that modulo the count.
    /// </summary>
    [Theory]
    [InlineData("01234567-89ab-cdef-0011-223344556677", 1, 2, 5)]
    [InlineData("0190f3a2-7c4e-7d1a-9b3c-5e6f7a8b9c0d", 1, 1, 3)]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff", 0, 0, 2)]
    public void Of_KnownIds_MatchesClickHouseShardingKey(string id, int ofTwo, int ofThree, int ofSeven)
    {
        var sid = Guid.Parse(id);
        Assert.Equal(ofTwo, ClickHouseShards.Of(sid, 2));
        Assert.Equal(ofThree, ClickHouseShards.Of(sid, 3));
        Assert.Equal(ofSeven, ClickHouseShards.Of(sid, 7));
        Assert.Equal(0, ClickHouseShards.Of(sid, 1));
    }

    [Fact]
    public void Parse_TwoShards_KeepsTheirOrder()
    {
        IReadOnlyList<ClickHouseOptions> shards = ClickHouseShards.Parse("http://default@10.0.0.1:8123/vpnperf; http://default@10.0.0.2:8123/vpnperf;");
        Assert.Equal(2, shards.Count);
        Assert.Equal(new Uri("http://10.0.0.1:8123/"), shards[0].Endpoint);
        Assert.Equal(new Uri("http://10.0.0.2:8123/"), shards[1].Endpoint);
        Assert.Equal("vpnperf", shards[1].Database);
    }

    [Theory]
    [InlineData(279, true)] // ALL_CONNECTION_TRIES_FAILED: what 18.16 answers when a shard of a Distributed table is down
    [InlineData(210, true)]
    [InlineData(209, true)]
    [InlineData(60, false)]
    public void IsRemoteUnreachable_ErrorCode_SaysWhetherAShardWasOutOfReach(int code, bool unreachable) =>
        Assert.Equal(unreachable, new ClickHouseServerException(code, System.Net.HttpStatusCode.InternalServerError, "x").IsRemoteUnreachable);

    [Theory]
    [InlineData("")]
    [InlineData("http://default@10.0.0.1:8123/vpnperf")]
    [InlineData("http://default@10.0.0.1:8123/vpnperf;not a url")]
    public void Parse_FewerThanTwoOrMalformed_ThrowsFormatException(string value) =>
        Assert.Throws<FormatException>(() => ClickHouseShards.Parse(value));
}
