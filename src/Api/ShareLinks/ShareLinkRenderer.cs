using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.ShareLinks;

/// <summary>
/// Writes a <see cref="ClientConfig"/> as share links, one URI per proxy, in the forms the link-list apps (Hiddify,
/// NekoBox, v2rayN/v2rayNG, Shadowrocket, Streisand, Happ) import: XTLS's URI form for <c>vless://</c> and
/// <c>trojan://</c>, v2rayN's base64 JSON for <c>vmess://</c>, SIP002 for <c>ss://</c> (SIP022's percent-encoded
/// user info for the 2022 methods), and the <c>hysteria2://</c> and <c>tuic://</c> URIs of those projects. The
/// template is not used: a link names one server. docs/config-rendering.md has the protocol × format table.
/// </summary>
internal static class ShareLinkRenderer
{
    /// <summary>What the stub's one link dials: a reserved address and port 1, so it connects nowhere.</summary>
    private const string NowhereLink = "vless://00000000-0000-0000-0000-000000000000@0.0.0.0:1?type=tcp&encryption=none&security=none#";

    /// <summary>
    /// vmess links have no REALITY fields, and WireGuard has no share link the apps agree on (<c>wireguard://</c> is
    /// no standard: each app that reads one invents its own keys); every other inbound the renderer accepts has a link.
    /// </summary>
    public static bool CanExpress(InboundSpec spec)
        => spec.Protocol != InboundProtocol.WireGuard && !(spec.Protocol == InboundProtocol.Vmess && spec.Security == InboundSecurity.Reality);

    /// <summary>The links, one per line, each line ending in a newline: what <c>links-plain</c> answers.</summary>
    public static byte[] RenderPlain(ClientConfig config) => Encoding.UTF8.GetBytes(Lines(config));

    /// <summary>The same lines in standard base64, the subscription form most link-list apps expect.</summary>
    public static byte[] RenderBase64(ClientConfig config) => Base64(Lines(config));

    /// <summary>One link that connects nowhere, named for <paramref name="reason"/> so the app shows why.</summary>
    public static byte[] RenderStub(string reason, bool base64)
    {
        string line = NowhereLink + Uri.EscapeDataString(reason) + "\n";
        return base64 ? Base64(line) : Encoding.UTF8.GetBytes(line);
    }

    /// <summary>The link of one proxy; <see cref="CanExpress"/> must hold for its inbound.</summary>
    public static string Link(ProxyOutbound proxy)
    {
        InboundSpec spec = proxy.Inbound;
        return spec.Settings switch
        {
            VlessSettings vless => StreamLink("vless", proxy.Uuid!, proxy, q =>
            {
                q.Add("encryption", "none");
                q.Add("flow", vless.Flow);
            }),
            TrojanSettings => StreamLink("trojan", proxy.Password!, proxy, static _ => { }),
            VmessSettings vmess => "vmess://" + VmessJson(proxy, vmess),
            ShadowsocksSettings ss => ShadowsocksLink(proxy, ss),
            Hysteria2Settings hy2 => QuicLink("hysteria2", Uri.EscapeDataString(proxy.Password!), proxy, q =>
            {
                q.Add("sni", spec.Tls!.ServerName);
                q.AddFlag("insecure", spec.Tls.Insecure);
                q.Add("obfs", hy2.ObfsPassword is null ? null : "salamander");
                q.Add("obfs-password", hy2.ObfsPassword);
            }),
            TuicSettings tuic => QuicLink("tuic", Uri.EscapeDataString(proxy.Uuid!) + ":" + Uri.EscapeDataString(proxy.Password!), proxy, q =>
            {
                q.Add("congestion_control", tuic.CongestionControl ?? "cubic");
                q.Add("udp_relay_mode", tuic.UdpRelayMode ?? "native");
                q.Add("alpn", Join(spec.Tls!.Alpn));
                q.Add("sni", spec.Tls.ServerName);
                q.AddFlag("allow_insecure", spec.Tls.Insecure);
                q.AddFlag("zero_rtt_handshake", tuic.ZeroRttHandshake);
            }),
            _ => throw new InvalidOperationException("Unknown protocol settings " + spec.Settings.GetType().Name + "."),
        };
    }

    private static string Lines(ClientConfig config)
    {
        var text = new StringBuilder(config.Proxies.Length * 256);
        foreach (ProxyOutbound proxy in config.Proxies)
        {
            if (CanExpress(proxy.Inbound)) text.Append(Link(proxy)).Append('\n');
        }
        return text.ToString();
    }

    private static byte[] Base64(string text) => Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));

    /// <summary>vless and trojan: the credential as user info, then the transport and security as XTLS's query keys.</summary>
    private static string StreamLink(string scheme, string credential, ProxyOutbound proxy, Action<LinkQuery> protocolKeys)
    {
        InboundSpec spec = proxy.Inbound;
        var query = new StringBuilder();
        var q = new LinkQuery(query);
        q.Add("type", NetworkName(spec.Network));
        protocolKeys(q);
        switch (spec.Transport)
        {
            case WsTransport ws:
                q.Add("path", ws.PathWithEarlyData);
                q.Add("host", ws.Host);
                break;
            case GrpcTransport grpc:
                q.Add("serviceName", grpc.ServiceName);
                q.Add("mode", "gun");
                break;
            case HttpTransport http:
                q.Add("path", http.Path);
                q.Add("host", Join(http.Hosts));
                break;
            case HttpUpgradeTransport upgrade:
                q.Add("path", upgrade.Path);
                q.Add("host", upgrade.Host);
                break;
        }
        q.Add("security", spec.Security switch
        {
            InboundSecurity.Tls => "tls",
            InboundSecurity.Reality => "reality",
            _ => "none",
        });
        if (spec.Tls is { } tls)
        {
            q.Add("sni", tls.ServerName);
            q.Add("fp", tls.Fingerprint);
            if (tls.Reality is { } reality)
            {
                q.Add("pbk", reality.PublicKey);
                q.Add("sid", reality.ShortId);
            }
            else
            {
                q.Add("alpn", Join(tls.Alpn));
                q.AddFlag("allowInsecure", tls.Insecure);
            }
        }
        return scheme + "://" + Uri.EscapeDataString(credential) + "@" + Authority(spec) + "?" + query + "#" + Uri.EscapeDataString(proxy.Tag);
    }

    private static string QuicLink(string scheme, string userInfo, ProxyOutbound proxy, Action<LinkQuery> keys)
    {
        var query = new StringBuilder();
        keys(new LinkQuery(query));
        return scheme + "://" + userInfo + "@" + Authority(proxy.Inbound) + "/?" + query + "#" + Uri.EscapeDataString(proxy.Tag);
    }

    /// <summary>
    /// SIP002: the legacy methods put <c>method:password</c> in unpadded URL-safe base64; SIP022 has the 2022 methods
    /// percent-encode it instead (their password, <c>server_psk:user_key</c>, is two base64 keys).
    /// </summary>
    private static string ShadowsocksLink(ProxyOutbound proxy, ShadowsocksSettings ss)
    {
        string userInfo = ss.Is2022
            ? Uri.EscapeDataString(ss.Method) + ":" + Uri.EscapeDataString(proxy.Password!)
            : Convert.ToBase64String(Encoding.UTF8.GetBytes(ss.Method + ":" + proxy.Password)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return "ss://" + userInfo + "@" + Authority(proxy.Inbound) + "#" + Uri.EscapeDataString(proxy.Tag);
    }

    /// <summary>v2rayN's vmess link: base64 of a JSON object whose values are all strings ("v" 2).</summary>
    private static string VmessJson(ProxyOutbound proxy, VmessSettings vmess)
    {
        InboundSpec spec = proxy.Inbound;
        (string net, string type, string? host, string? path) = spec.Transport switch
        {
            WsTransport ws => ("ws", "none", ws.Host, ws.PathWithEarlyData),
            GrpcTransport grpc => ("grpc", "gun", null, grpc.ServiceName),
            HttpTransport http => ("h2", "none", Join(http.Hosts), http.Path),
            HttpUpgradeTransport upgrade => ("httpupgrade", "none", upgrade.Host, upgrade.Path),
            QuicTransport => ("quic", "none", "none", null),
            _ => ("tcp", "none", null, null),
        };
        using var stream = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(stream, ConfigRenderer.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("v", "2");
            w.WriteString("ps", proxy.Tag);
            w.WriteString("add", spec.Host);
            w.WriteString("port", spec.Port.ToString(CultureInfo.InvariantCulture));
            w.WriteString("id", proxy.Uuid);
            w.WriteString("aid", "0");
            w.WriteString("scy", vmess.Security);
            w.WriteString("net", net);
            w.WriteString("type", type);
            w.WriteString("host", host ?? "");
            w.WriteString("path", path ?? "");
            w.WriteString("tls", spec.Tls is null ? "" : "tls");
            w.WriteString("sni", spec.Tls?.ServerName ?? "");
            w.WriteString("alpn", spec.Tls is { } tls ? Join(tls.Alpn) ?? "" : "");
            w.WriteString("fp", spec.Tls?.Fingerprint ?? "");
            w.WriteEndObject();
        }
        return Convert.ToBase64String(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static string NetworkName(InboundNetwork network) => network switch
    {
        InboundNetwork.Ws => "ws",
        InboundNetwork.Grpc => "grpc",
        InboundNetwork.Http => "http",
        InboundNetwork.HttpUpgrade => "httpupgrade",
        InboundNetwork.Quic => "quic",
        _ => "tcp",
    };

    private static string Authority(InboundSpec spec)
    {
        string port = spec.Port.ToString(CultureInfo.InvariantCulture);
        return spec.Host.Contains(':', StringComparison.Ordinal) ? "[" + spec.Host + "]:" + port : spec.Host + ":" + port;
    }

    private static string? Join(ImmutableArray<string> values)
        => values.IsDefaultOrEmpty ? null : string.Join(',', values);
}
