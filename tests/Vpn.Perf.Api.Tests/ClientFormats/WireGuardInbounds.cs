using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.SingBox;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>
/// A subscription with two WireGuard inbounds (dual-stack pools with DNS, MTU, keepalive and a preshared key; an
/// IPv6-only pool on an IPv6 server) and one vless inbound, with fixed peers, so every format's WireGuard output is
/// deterministic and checked by golden files.
/// </summary>
internal static class WireGuardInbounds
{
    public const string NodeKey = "B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM=";
    public const string PeerKey = "CA8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLG0=";
    public const string PeerPublicKey = "FVhuliSCRZy9rdIFUHmqp9RlKklgyFin4WQXM7jFN04=";
    public const string SecondPeerKey = "EBYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyM3Q=";
    public const string Psk = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";

    public const string DualStackSettings =
        $$"""{"public_key":"{{NodeKey}}","ipv4_pool":"10.66.0.0/16","ipv6_pool":"fd42:66::/64","dns":["1.1.1.1","2606:4700:4700::1111"],"mtu":1420,"preshared_keys":true,"persistent_keepalive":25}""";

    public const string Ipv6OnlySettings = $$"""{"public_key":"{{NodeKey}}","ipv6_pool":"fd42:77::/112","allowed_ips":["::/0"]}""";

    public static ClientConfig Config { get; } = ClientConfig.Build(ConfigTemplate.Default,
    [
        new ConfigInbound(EveryInbound.AwkwardNode, "wg", Spec(DualStackSettings, "wg.example.com"), new WireGuardPeer(PeerKey, Psk, 7)),
        new ConfigInbound("nl-1", "vless", Spec2("vless", "tcp", "tls", """{"server_name":"nl.example.com"}"""), null),
        new ConfigInbound("v6-1", "wg6", Spec(Ipv6OnlySettings, "2001:db8::51"), new WireGuardPeer(SecondPeerKey, null, 2)),
    ], ConfigRendererTests.Secret);

    /// <summary>The same with no peer on the WireGuard inbounds: they are left out, the vless inbound stays.</summary>
    public static ClientConfig WithoutPeers { get; } = ClientConfig.Build(ConfigTemplate.Default,
    [
        new ConfigInbound("nl-1", "wg", Spec(DualStackSettings, "wg.example.com")),
        new ConfigInbound("nl-1", "vless", Spec2("vless", "tcp", "tls", """{"server_name":"nl.example.com"}""")),
    ], ConfigRendererTests.Secret);

    public static InboundSpec Spec(string settings, string host) => Spec2("wireguard", "udp", "none", settings, host, 51820);

    private static InboundSpec Spec2(string protocol, string network, string tls, string settings, string host = "node1.example.com", int port = 8443)
    {
        Assert.True(InboundSpec.TryParse(protocol, host, port, network, tls, settings, out InboundSpec? spec, out var errors),
            string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        return spec;
    }
}
