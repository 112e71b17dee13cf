using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

/// <summary><see cref="RedisConnector.Parse"/>: both forms of <c>ConnectionStrings__Redis</c>, and what it fixes whatever the string says.</summary>
public class RedisConnectorParseTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:56379", "127.0.0.1:56379", null, null, 0)]
    [InlineData("redis://localhost", "localhost:6379", null, null, 0)]
    [InlineData("redis://:s3cret@10.0.0.5:6380/3", "10.0.0.5:6380", null, "s3cret", 3)]
    [InlineData("redis://ingest:pw@redis.internal", "redis.internal:6379", "ingest", "pw", 0)]
    [InlineData("redis://s3cret@10.0.0.5:6380", "10.0.0.5:6380", null, "s3cret", 0)]
    [InlineData("redis://ingest:p%40ss%3Aw%2Frd@redis.internal:6379/0", "redis.internal:6379", "ingest", "p@ss:w/rd", 0)]
    [InlineData("redis://%C3%BC:pw@127.0.0.1:6379", "127.0.0.1:6379", "ü", "pw", 0)]
    [InlineData("redis://[::1]:7000/2", "::1:7000", null, null, 2)]
    public void Parse_Url_ReadsEveryPart(string text, string endPoint, string? user, string? password, int db)
    {
        ConfigurationOptions options = RedisConnector.Parse(text);
        Assert.Equal([endPoint], EndPoints(options));
        Assert.Equal(user, options.User);
        Assert.Equal(password, options.Password);
        Assert.Equal(db, options.DefaultDatabase ?? 0);
        Assert.False(options.Ssl);
    }

    [Fact]
    public void Parse_RedissUrl_TurnsTlsOn()
    {
        ConfigurationOptions options = RedisConnector.Parse("rediss://:pw@redis.example.com:6380/1");
        Assert.True(options.Ssl);
        Assert.Equal(["redis.example.com:6380"], EndPoints(options));
        Assert.Equal("pw", options.Password);
        Assert.Equal(1, options.DefaultDatabase);
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379", "redis://")]
    [InlineData("redis://", "redis://")]
    [InlineData("redis://127.0.0.1:6379/x", "database must be a number, got 'x'")]
    [InlineData("redis://127.0.0.1:6379/-1", "database must be a number, got '-1'")]
    [InlineData("redis://127.0.0.1:6379/16000", "database must be a number, got '16000'")]
    [InlineData("password=secret,ssl=true", "names no server")]
    public void Parse_Invalid_ThrowsFormatExceptionSayingWhatIsWrong(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => RedisConnector.Parse(text));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UrlWithLongBadDatabase_QuotesOnlyItsStart()
    {
        string path = new('x', 100);
        var ex = Assert.Throws<FormatException>(() => RedisConnector.Parse("redis://127.0.0.1:6379/" + path));
        Assert.Contains($"'{path[..32]}...'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConfigurationStringWithSeveralEndPoints_KeepsEveryOneAndTheSettings()
    {
        ConfigurationOptions options = RedisConnector.Parse("10.0.0.1:7000,10.0.0.2:7001,redis.internal:7002,user=ingest,password=s3cret,ssl=true,defaultDatabase=0");
        Assert.Equal(["10.0.0.1:7000", "10.0.0.2:7001", "redis.internal:7002"], EndPoints(options));
        Assert.Equal("ingest", options.User);
        Assert.Equal("s3cret", options.Password);
        Assert.True(options.Ssl);
        Assert.Equal(0, options.DefaultDatabase);
    }

    [Fact]
    public void Parse_ConfigurationStringWithServiceName_NamesTheSentinelService()
    {
        ConfigurationOptions options = RedisConnector.Parse("10.0.0.1:26379,10.0.0.2:26379,serviceName=vpnperf,password=s3cret");
        Assert.Equal("vpnperf", options.ServiceName);
        Assert.Equal(["10.0.0.1:26379", "10.0.0.2:26379"], EndPoints(options));
        Assert.Equal("s3cret", options.Password);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379")]
    [InlineData("127.0.0.1:6379")]
    public void Parse_EitherForm_TimeoutsDefaultToFiveSeconds(string text)
    {
        ConfigurationOptions options = RedisConnector.Parse(text);
        Assert.Equal(5000, options.AsyncTimeout);
        Assert.Equal(5000, options.SyncTimeout);
        Assert.Equal(5000, options.ConnectTimeout);
    }

    [Fact]
    public void Parse_ConfigurationStringWithTimeouts_OverridesTheDefaults()
    {
        ConfigurationOptions options = RedisConnector.Parse("127.0.0.1:6379,asyncTimeout=250,connectTimeout=1500");
        Assert.Equal(250, options.AsyncTimeout);
        Assert.Equal(1500, options.ConnectTimeout);
        Assert.Equal(5000, options.SyncTimeout);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379")]
    [InlineData("127.0.0.1:6379")]
    [InlineData("127.0.0.1:6379,abortConnect=true")]
    [InlineData("127.0.0.1:6379,abortConnect=false,asyncTimeout=100")]
    public void Parse_WhateverTheStringSays_FailsFastAndNeverAbortsConnecting(string text)
    {
        ConfigurationOptions options = RedisConnector.Parse(text);
        Assert.Same(BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.False(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379", "vpnperf-ingest", "vpnperf-ingest")]
    [InlineData("127.0.0.1:6379,name=from-string", "vpnperf-api", "vpnperf-api")]
    [InlineData("127.0.0.1:6379,name=from-string", null, "from-string")]
    public void Parse_ClientName_WinsOverTheString(string text, string? clientName, string expected) =>
        Assert.Equal(expected, RedisConnector.Parse(text, clientName).ClientName);

    private static string[] EndPoints(ConfigurationOptions options) =>
        [.. options.EndPoints.Select(static e => e switch
        {
            IPEndPoint ip => $"{ip.Address}:{ip.Port}",
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            _ => e.ToString()!,
        })];
}
