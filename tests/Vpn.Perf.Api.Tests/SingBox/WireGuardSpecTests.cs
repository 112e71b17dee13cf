using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.ClientFormats;

namespace Vpn.Perf.Api.Tests.SingBox;

/// <summary>The wireguard inbound kind: its columns and settings as InboundSpec accepts or refuses them (docs/inbound-settings.md).</summary>
public sealed class WireGuardSpecTests
{
    private const string Key = WireGuardInbounds.NodeKey;

    [Fact]
    public void TryParse_DualStack_ReadsEverySetting()
    {
        WireGuardSettings wg = Parse(WireGuardInbounds.DualStackSettings);
        Assert.Equal(Key, wg.PublicKey);
        Assert.Equal("10.66.0.0/16", wg.Ipv4Pool!.ToString());
        Assert.Equal("fd42:66::/64", wg.Ipv6Pool!.ToString());
        Assert.Equal(["1.1.1.1", "2606:4700:4700::1111"], wg.Dns.ToArray());
        Assert.Equal(1420, wg.Mtu);
        Assert.True(wg.PresharedKeys);
        Assert.Equal(25, wg.PersistentKeepalive);
        Assert.Equal(["0.0.0.0/0", "::/0"], wg.AllowedIps.ToArray());
        Assert.Equal(65536 - 3, wg.Capacity); // the IPv4 pool is the smaller one: network, node and broadcast are not for peers
        Assert.Equal(["10.66.0.7/32", "fd42:66::7/128"], wg.PeerAddresses(7).ToArray());
        Assert.Equal("10.66.0.1/16", wg.Ipv4Pool.NodeInterface);
        Assert.Equal("fd42:66::1/64", wg.Ipv6Pool.NodeInterface);
    }

    [Theory]
    [InlineData("10.0.0.0/30", 1)]
    [InlineData("10.0.0.0/29", 5)]
    [InlineData("10.0.0.0/8", 16_777_213)]
    public void TryParse_Ipv4Pool_CapacityLeavesOutNetworkNodeAndBroadcast(string pool, int capacity)
        => Assert.Equal(capacity, Parse($$"""{"public_key":"{{Key}}","ipv4_pool":"{{pool}}"}""").Capacity);

    [Theory]
    [InlineData("fd00::/126", 2)]
    [InlineData("fd00::/64", int.MaxValue - 2)]
    public void TryParse_Ipv6Pool_CapacityIsBoundedByTheIndexColumn(string pool, int capacity)
        => Assert.Equal(capacity, Parse($$"""{"public_key":"{{Key}}","ipv6_pool":"{{pool}}"}""").Capacity);

    [Theory]
    [InlineData("""{"ipv4_pool":"10.0.0.0/24"}""", "settings.public_key")]
    [InlineData("""{"public_key":"abc","ipv4_pool":"10.0.0.0/24"}""", "settings.public_key")]
    [InlineData("""{"public_key":"K"}""", "settings.ipv4_pool")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0"}""", "settings.ipv4_pool")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.300/24"}""", "settings.ipv4_pool")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.1/24"}""", "settings.ipv4_pool")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0/31"}""", "settings.ipv4_pool")]
    [InlineData("""{"public_key":"K","ipv4_pool":"fd00::/64"}""", "settings.ipv4_pool")]
    [InlineData("""{"public_key":"K","ipv6_pool":"10.0.0.0/24"}""", "settings.ipv6_pool")]
    [InlineData("""{"public_key":"K","ipv6_pool":"fd00::/127"}""", "settings.ipv6_pool")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0/24","dns":["1.1"]}""", "settings.dns")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0/24","mtu":1000}""", "settings.mtu")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0/24","allowed_ips":["0.0.0.0"]}""", "settings.allowed_ips")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0/24","private_key":"K"}""", "settings.private_key")]
    [InlineData("""{"public_key":"K","ipv4_pool":"10.0.0.0/24","server_name":"a.example.com"}""", "settings.server_name")]
    public void TryParse_BadSettings_NamesTheKey(string settings, string key)
    {
        Assert.False(InboundSpec.TryParse("wireguard", "wg.example.com", 51820, "udp", "none", settings.Replace("\"K\"", "\"" + Key + "\"", StringComparison.Ordinal),
            out _, out var errors));
        Assert.Contains(key, errors.Keys);
    }

    [Fact]
    public void TryParse_HostBitsSet_SaysWhichNetworkWasMeant()
    {
        Assert.False(InboundSpec.TryParse("wireguard", "wg.example.com", 51820, "udp", "none", $$"""{"public_key":"{{Key}}","ipv4_pool":"10.0.3.7/16"}""", out _, out var errors));
        Assert.Contains("10.0.0.0/16", errors["settings.ipv4_pool"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp", "none", "network")]
    [InlineData("udp", "tls", "tls")]
    public void TryParse_WireGuardOverTcpOrTls_IsRefused(string network, string tls, string key)
    {
        Assert.False(InboundSpec.TryParse("wireguard", "wg.example.com", 51820, network, tls, $$"""{"public_key":"{{Key}}","ipv4_pool":"10.0.0.0/24"}""", out _, out var errors));
        Assert.Contains(key, errors.Keys);
    }

    private static WireGuardSettings Parse(string settings)
    {
        Assert.True(InboundSpec.TryParse("wireguard", "wg.example.com", 51820, "udp", "none", settings, out InboundSpec? spec, out var errors),
            string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        return Assert.IsType<WireGuardSettings>(spec.Settings);
    }
}
