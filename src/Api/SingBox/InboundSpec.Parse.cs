using System.Buffers.Text;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using K = Vpn.Perf.Api.SingBox.InboundSettingsKeys;
using V = Vpn.Perf.Api.SingBox.InboundValues;

namespace Vpn.Perf.Api.SingBox;

internal sealed partial class InboundSpec
{
    /// <summary>Settings documents nest at most this deep (they are flat; the slack is for a list inside an object).</summary>
    private const int MaxSettingsDepth = 4;

    /// <summary>As <see cref="TryParse(string?, string?, int, string?, string?, JsonElement, out InboundSpec?, out Dictionary{string, string[]})"/>,
    /// with the settings as JSON text (what Npgsql returns for <c>jsonb</c>); null or empty means <c>{}</c>.</summary>
    public static bool TryParse(string? protocol, string? host, int port, string? network, string? tls, string? settingsJson,
        [NotNullWhen(true)] out InboundSpec? spec, out Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(settingsJson)) return TryParse(protocol, host, port, network, tls, default(JsonElement), out spec, out errors);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(settingsJson, new JsonDocumentOptions { MaxDepth = MaxSettingsDepth });
        }
        catch (JsonException)
        {
            spec = null;
            errors = new() { ["settings"] = ["Settings must be a JSON object of at most 4 levels."] };
            return false;
        }
        using (document)
        {
            return TryParse(protocol, host, port, network, tls, document.RootElement, out spec, out errors);
        }
    }

    /// <summary>
    /// Validates an inbound row the way sing-box will judge the outbound rendered from it. On failure,
    /// <paramref name="errors"/> holds messages keyed by field: <c>protocol</c>, <c>host</c>, <c>port</c>,
    /// <c>network</c>, <c>tls</c>, <c>settings</c> and <c>settings.&lt;key&gt;</c>; on success it is empty.
    /// </summary>
    /// <param name="protocol"><c>inbounds.protocol</c>.</param>
    /// <param name="host"><c>inbounds.host</c>, the address clients dial.</param>
    /// <param name="port"><c>inbounds.port</c>.</param>
    /// <param name="network"><c>inbounds.network</c>.</param>
    /// <param name="tls"><c>inbounds.tls</c>.</param>
    /// <param name="settings">The <c>settings</c> object; undefined or null means <c>{}</c>.</param>
    /// <param name="spec">The valid inbound, or null.</param>
    /// <param name="errors">Per-field messages; empty on success.</param>
    public static bool TryParse(string? protocol, string? host, int port, string? network, string? tls, JsonElement settings,
        [NotNullWhen(true)] out InboundSpec? spec, out Dictionary<string, string[]> errors)
    {
        spec = null;
        var e = new InboundErrors();
        var s = new InboundSettingsReader(settings, e);

        InboundProtocol p = default;
        InboundNetwork n = default;
        InboundSecurity t = default;
        if (protocol is null || !V.Protocols.TryGetValue(protocol, out p)) e.Add("protocol", "Must be one of " + V.List(V.Protocols.Keys) + ".");
        if (network is null || !V.Networks.TryGetValue(network, out n)) e.Add("network", "Must be one of " + V.List(V.Networks.Keys) + ".");
        if (tls is null || !V.Securities.TryGetValue(tls, out t)) e.Add("tls", "Must be one of " + V.List(V.Securities.Keys) + ".");
        if (host is null || !IsServerAddress(host)) e.Add("host", "Must be a DNS name or an IP address, without scheme or port.");
        if (port is < 1 or > 65535) e.Add("port", "Must be from 1 to 65535.");
        if (e.Has("protocol") || e.Has("network") || e.Has("tls") || !CheckCombination(p, n, t, e))
        {
            // Which settings apply depends on these three; judging the keys against a wrong combination would only add noise.
            errors = e.ToDictionary();
            return false;
        }

        bool quic = p is InboundProtocol.Hysteria2 or InboundProtocol.Tuic || n == InboundNetwork.Quic;
        TlsSpec? tlsSpec = t switch
        {
            InboundSecurity.Tls => ReadTls(s, quic),
            InboundSecurity.Reality => ReadReality(s),
            _ => null,
        };
        TransportSpec? transport = ReadTransport(s, n);
        ProtocolSettings? protocolSettings = p switch
        {
            InboundProtocol.Vless => ReadVless(s, n, t),
            InboundProtocol.Vmess => ReadVmess(s),
            InboundProtocol.Trojan => TrojanSettings.Instance,
            InboundProtocol.Shadowsocks => ReadShadowsocks(s),
            InboundProtocol.Hysteria2 => ReadHysteria2(s),
            InboundProtocol.Tuic => ReadTuic(s),
            _ => ReadWireGuard(s),
        };
        s.RefuseUnread($"{protocol} over {network} with tls {tls}");

        if (!e.IsEmpty || protocolSettings is null)
        {
            errors = e.ToDictionary();
            return false;
        }
        spec = new InboundSpec(p, host!, port, n, t, tlsSpec, transport, protocolSettings);
        errors = e.ToDictionary();
        return true;
    }

    /// <summary>The pairings sing-box refuses, reported on the column that has to change.</summary>
    private static bool CheckCombination(InboundProtocol p, InboundNetwork n, InboundSecurity t, InboundErrors e)
    {
        switch (p)
        {
            case InboundProtocol.Shadowsocks:
                if (n != InboundNetwork.Tcp) e.Add("network", "shadowsocks takes no V2Ray transport in sing-box; network must be tcp.");
                if (t != InboundSecurity.None) e.Add("tls", "shadowsocks has no tls option in sing-box; tls must be none.");
                break;
            case InboundProtocol.Hysteria2 or InboundProtocol.Tuic:
                if (n != InboundNetwork.Udp) e.Add("network", $"{V.Name(p)} runs its own QUIC; network must be udp.");
                if (t == InboundSecurity.None) e.Add("tls", $"{V.Name(p)} requires TLS; tls must be tls.");
                if (t == InboundSecurity.Reality) e.Add("tls", "REALITY does not run over QUIC; tls must be tls.");
                break;
            case InboundProtocol.WireGuard:
                if (n != InboundNetwork.Udp) e.Add("network", "wireguard runs over UDP; network must be udp.");
                if (t != InboundSecurity.None) e.Add("tls", "wireguard has its own encryption; tls must be none.");
                break;
            default:
                if (n == InboundNetwork.Udp) e.Add("network", $"{V.Name(p)} runs over TCP: network must be tcp, ws, grpc, http, httpupgrade or quic.");
                if (n == InboundNetwork.Quic && t == InboundSecurity.None) e.Add("tls", "The quic transport requires TLS; tls must be tls.");
                if (n == InboundNetwork.Quic && t == InboundSecurity.Reality) e.Add("tls", "REALITY does not run over QUIC; use tls or another network.");
                break;
        }
        return !e.Has("network") && !e.Has("tls");
    }

    private static TlsSpec ReadTls(InboundSettingsReader s, bool quic)
    {
        string? serverName = ReadServerName(s);
        ImmutableArray<string> alpn = s.StringList(K.Alpn, maxItems: 8, maxLength: 64) ?? [];
        string? fingerprint = ReadFingerprint(s);
        if (quic && fingerprint is not null)
        {
            s.Error(K.UtlsFingerprint, "uTLS does not run over QUIC (sing-box: unsupported usage for uTLS); remove it.");
        }
        bool insecure = s.Bool(K.Insecure) ?? false;
        return new TlsSpec(serverName, alpn, fingerprint, insecure, null);
    }

    private static TlsSpec ReadReality(InboundSettingsReader s)
    {
        string? serverName = ReadServerName(s);
        if (serverName is null) s.Error(K.ServerName, "REALITY needs the server name of the site it borrows.");
        string? publicKey = s.String(K.RealityPublicKey, 64);
        if (publicKey is null)
        {
            if (!s.Has(K.RealityPublicKey)) s.Error(K.RealityPublicKey, "REALITY needs the server's public key.");
        }
        else if (!IsRawUrlBase64Of32Bytes(publicKey))
        {
            s.Error(K.RealityPublicKey, "Must be unpadded URL-safe base64 of 32 bytes (43 characters), as `sing-box generate reality-keypair` prints it.");
        }
        string shortId = s.String(K.RealityShortId, 16) ?? "";
        if (shortId.Length % 2 != 0 || !IsHex(shortId)) s.Error(K.RealityShortId, "Must be an even number (at most 16) of hex digits, or empty.");
        string fingerprint = ReadFingerprint(s) ?? V.DefaultRealityFingerprint;
        return new TlsSpec(serverName, [], fingerprint, false, new RealitySpec(publicKey ?? "", shortId));
    }

    private static string? ReadServerName(InboundSettingsReader s)
    {
        string? name = s.String(K.ServerName, 253);
        if (name is not null && !IsServerAddress(name))
        {
            s.Error(K.ServerName, "Must be a DNS name (or an IP address).");
            return null;
        }
        return name;
    }

    private static string? ReadFingerprint(InboundSettingsReader s)
    {
        string? fingerprint = s.String(K.UtlsFingerprint, 32);
        if (fingerprint is not null && !V.UtlsFingerprints.Contains(fingerprint))
        {
            s.Error(K.UtlsFingerprint, "Must be one of " + V.List(V.UtlsFingerprints) + ".");
            return null;
        }
        return fingerprint;
    }

    private static TransportSpec? ReadTransport(InboundSettingsReader s, InboundNetwork n) => n switch
    {
        InboundNetwork.Ws => new WsTransport(ReadPath(s), ReadHostHeader(s), s.Int(K.MaxEarlyData, 0, 65536) ?? 0),
        InboundNetwork.Grpc => new GrpcTransport(ReadServiceName(s)),
        InboundNetwork.Http => new HttpTransport(ReadHostHeaders(s), ReadPath(s)),
        InboundNetwork.HttpUpgrade => new HttpUpgradeTransport(ReadHostHeader(s), ReadPath(s)),
        InboundNetwork.Quic => QuicTransport.Instance,
        _ => null,
    };

    private static string ReadPath(InboundSettingsReader s)
    {
        string? path = s.String(K.Path, 256);
        if (path is null) return "/";
        if (path.Length == 0 || path[0] != '/' || path.Any(char.IsWhiteSpace))
        {
            s.Error(K.Path, "Must start with '/' and contain no spaces.");
        }
        return path;
    }

    private static string? ReadHostHeader(InboundSettingsReader s)
    {
        string? host = s.String(K.HostHeader, 253);
        if (host is not null && !IsServerAddress(host)) s.Error(K.HostHeader, "Must be a DNS name (or an IP address).");
        return host;
    }

    private static ImmutableArray<string> ReadHostHeaders(InboundSettingsReader s)
    {
        ImmutableArray<string> hosts = s.StringList(K.HostHeader, maxItems: 16, maxLength: 253) ?? [];
        if (hosts.Any(h => !IsServerAddress(h))) s.Error(K.HostHeader, "Every entry must be a DNS name (or an IP address).");
        return hosts;
    }

    private static string ReadServiceName(InboundSettingsReader s)
    {
        string name = s.String(K.ServiceName, 128) ?? "";
        if (name.Any(c => char.IsWhiteSpace(c) || c == '/')) s.Error(K.ServiceName, "Must contain no spaces or '/'.");
        return name;
    }

    private static VlessSettings? ReadVless(InboundSettingsReader s, InboundNetwork n, InboundSecurity t)
    {
        string flow = s.String(K.Flow, 32) ?? "";
        if (flow.Length == 0) return new VlessSettings(flow);
        if (flow != VlessSettings.Vision)
        {
            s.Error(K.Flow, $"Must be empty or {VlessSettings.Vision}, the only flows sing-box knows.");
            return null;
        }
        if (n != InboundNetwork.Tcp) s.Error(K.Flow, $"{VlessSettings.Vision} works on plain TCP only; network must be tcp.");
        if (t == InboundSecurity.None) s.Error(K.Flow, $"{VlessSettings.Vision} needs tls or reality.");
        return new VlessSettings(flow);
    }

    private static VmessSettings? ReadVmess(InboundSettingsReader s)
    {
        string security = s.String(K.Security, 32) ?? "auto";
        if (V.VmessSecurities.Contains(security)) return new VmessSettings(security);
        s.Error(K.Security, "Must be one of " + V.List(V.VmessSecurities) + ".");
        return null;
    }

    private static ShadowsocksSettings? ReadShadowsocks(InboundSettingsReader s)
    {
        string? method = s.String(K.Method, 64);
        string? psk = s.String(K.ServerPsk, 64);
        if (method is null)
        {
            if (!s.Has(K.Method)) s.Error(K.Method, "Required.");
            return null;
        }
        if (V.ShadowsocksLegacyMethods.Contains(method))
        {
            if (psk is not null) s.Error(K.ServerPsk, "Only the 2022 methods take a server PSK.");
            return new ShadowsocksSettings(method, null);
        }
        if (method == V.Ss2022Chacha20)
        {
            s.Error(K.Method, method + " cannot tell subscriptions apart: sing-box takes a single shared key for it (no per-user keys), "
                + "so usage could not be counted per subscription. Use " + V.Ss2022Aes128 + " or " + V.Ss2022Aes256 + ".");
            return null;
        }
        if (!V.Shadowsocks2022Methods.Contains(method))
        {
            s.Error(K.Method, "Must be one of " + V.List(V.ShadowsocksLegacyMethods.Concat(V.Shadowsocks2022Methods)) + ".");
            return null;
        }
        int keyBytes = V.Shadowsocks2022KeyBytes(method);
        if (psk is null || !IsBase64Of(psk, keyBytes))
        {
            s.Error(K.ServerPsk, string.Create(CultureInfo.InvariantCulture,
                $"{method} needs the server PSK as standard base64 of exactly {keyBytes} bytes (`openssl rand -base64 {keyBytes}`)."));
            return null;
        }
        return new ShadowsocksSettings(method, psk);
    }

    private static Hysteria2Settings ReadHysteria2(InboundSettingsReader s)
    {
        string? obfs = s.String(K.Obfs, 32);
        string? obfsPassword = s.String(K.ObfsPassword, 256);
        if (obfs is not null && obfs != V.Salamander) s.Error(K.Obfs, "The only obfuscation is salamander.");
        if (obfs is not null && string.IsNullOrEmpty(obfsPassword)) s.Error(K.ObfsPassword, "Required with obfs.");
        if (obfs is null && obfsPassword is not null) s.Error(K.Obfs, "Set obfs to salamander to use obfs_password.");
        int? up = s.Int(K.UpMbps, 1, 100_000);
        int? down = s.Int(K.DownMbps, 1, 100_000);
        return new Hysteria2Settings(obfs is null ? null : obfsPassword, up, down);
    }

    private static TuicSettings ReadTuic(InboundSettingsReader s)
    {
        string? congestion = s.String(K.CongestionControl, 16);
        if (congestion is not null && !V.TuicCongestionControls.Contains(congestion))
            s.Error(K.CongestionControl, "Must be one of " + V.List(V.TuicCongestionControls) + ".");
        string? relay = s.String(K.UdpRelayMode, 16);
        if (relay is not null && !V.TuicUdpRelayModes.Contains(relay))
            s.Error(K.UdpRelayMode, "Must be one of " + V.List(V.TuicUdpRelayModes) + ".");
        bool zeroRtt = s.Bool(K.ZeroRttHandshake) ?? false;
        return new TuicSettings(congestion, relay, zeroRtt);
    }

    private static WireGuardSettings? ReadWireGuard(InboundSettingsReader s)
    {
        string? publicKey = s.String(K.PublicKey, 64);
        if (publicKey is null)
        {
            if (!s.Has(K.PublicKey)) s.Error(K.PublicKey, "Required: the node's public key, as `wg pubkey` prints it.");
        }
        else if (!IsBase64Of(publicKey, 32))
        {
            s.Error(K.PublicKey, "Must be standard base64 of 32 bytes (44 characters), as `wg pubkey` prints it.");
        }
        WireGuardPool? v4 = ReadPool(s, K.Ipv4Pool, AddressFamily.InterNetwork);
        WireGuardPool? v6 = ReadPool(s, K.Ipv6Pool, AddressFamily.InterNetworkV6);
        if (!s.Has(K.Ipv4Pool) && !s.Has(K.Ipv6Pool)) s.Error(K.Ipv4Pool, "Set ipv4_pool, ipv6_pool or both: peers get their addresses from them.");
        ImmutableArray<string> dns = s.StringList(K.Dns, maxItems: 4, maxLength: 45) ?? [];
        if (dns.Any(d => !IsIpLiteral(d))) s.Error(K.Dns, "Every entry must be an IPv4 or IPv6 address.");
        int? mtu = s.Int(K.Mtu, 1280, 9000);
        bool psk = s.Bool(K.PresharedKeys) ?? false;
        int? keepalive = s.Int(K.PersistentKeepalive, 1, 65535);
        ImmutableArray<string> allowed = s.StringList(K.AllowedIps, maxItems: 64, maxLength: 43) ?? WireGuardSettings.DefaultAllowedIps;
        foreach (string cidr in allowed)
        {
            AddressFamily family = cidr.Contains(':') ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            if (!IsCidr(cidr, family))
            {
                s.Error(K.AllowedIps, "Every entry must be a network in CIDR notation without host bits, e.g. 0.0.0.0/0 or ::/0.");
                break;
            }
        }
        if (publicKey is null || (v4 is null && v6 is null) || !IsBase64Of(publicKey, 32)) return null;
        return new WireGuardSettings(publicKey, v4, v6, dns, mtu, psk, keepalive, allowed);
    }

    private static WireGuardPool? ReadPool(InboundSettingsReader s, string key, AddressFamily family)
    {
        string? cidr = s.String(key, 64);
        if (cidr is null) return null;
        if (WireGuardPool.TryParse(cidr, family, out WireGuardPool? pool, out string? error)) return pool;
        s.Error(key, error);
        return null;
    }

    /// <summary>An IPv6 literal, or an IPv4 dotted quad (IPAddress.TryParse also takes "1.2" and plain numbers).</summary>
    private static bool IsIpLiteral(string s)
        => IPAddress.TryParse(s, out IPAddress? a) && !s.Contains('%')
           && (a.AddressFamily == AddressFamily.InterNetworkV6 || s.Count(c => c == '.') == 3);

    /// <summary>A CIDR network of <paramref name="family"/>; /0 and single hosts are fine here (these are routes, not pools).</summary>
    private static bool IsCidr(string cidr, AddressFamily family)
    {
        int slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || cidr.Contains('%') || !IPAddress.TryParse(cidr.AsSpan(0, slash), out IPAddress? address) || address.AddressFamily != family) return false;
        return IPNetwork.TryParse(cidr, out _);
    }

    /// <summary>A DNS name (letters, digits, '-', '_' in dot-separated labels) or a literal IPv4/IPv6 address.</summary>
    internal static bool IsServerAddress(string s)
    {
        if (s.Length is 0 or > 253) return false;
        if (s.Contains(':')) return IPAddress.TryParse(s, out IPAddress? v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && !s.Contains('%');
        bool allNumeric = true;
        foreach (string label in s.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_') return false;
                if (!char.IsAsciiDigit(c)) allNumeric = false;
            }
        }
        // "1.2.3" is not a name; only a dotted quad is an IPv4 literal.
        return !allNumeric || (s.Count(c => c == '.') == 3 && IPAddress.TryParse(s, out _));
    }

    private static bool IsRawUrlBase64Of32Bytes(string s)
    {
        if (s.Length != 43) return false;
        foreach (char c in s)
        {
            // TryDecodeFromChars throws rather than returns false on a foreign character.
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_') return false;
        }
        Span<byte> key = stackalloc byte[33]; // 43 unpadded characters decode to 32 bytes; one spare to notice a longer value
        return Base64Url.TryDecodeFromChars(s, key, out int written) && written == 32;
    }

    private static bool IsBase64Of(string s, int bytes)
    {
        Span<byte> key = stackalloc byte[64]; // the longest key is 32 bytes; anything longer is refused below
        return s.Length == ((bytes + 2) / 3 * 4) && Convert.TryFromBase64String(s, key, out int written) && written == bytes;
    }

    private static bool IsHex(string s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }
}
