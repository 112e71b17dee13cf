using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace Vpn.Perf.Api.Tests.SingBox;

/// <summary>
/// An independent judge of a rendered client config, written from /work/shared/SINGBOX.md and not from the
/// renderer: it walks the whole document and reports (1) every key outside the set that BOTH sing-box 1.12 and
/// 1.13 accept (unknown keys are fatal; keys added in 1.13, deprecated-and-fatal keys and removed keys are all out),
/// (2) missing required fields and values sing-box refuses, (3) every tag reference that does not resolve.
/// There is no sing-box binary on this machine; this is the stand-in.
/// </summary>
internal sealed class SingBoxConfigChecker
{
    private static readonly string[] Dial =
    [
        "detour", "bind_interface", "inet4_bind_address", "inet6_bind_address", "protect_path", "routing_mark", "reuse_addr", "netns",
        "connect_timeout", "tcp_fast_open", "tcp_multi_path", "udp_fragment", "domain_resolver", "network_strategy", "network_type",
        "fallback_network_type", "fallback_delay",
    ];

    private static readonly string[] Listen =
        ["listen", "listen_port", "tcp_fast_open", "tcp_multi_path", "udp_fragment", "udp_timeout", "detour", "bind_interface", "routing_mark", "reuse_addr", "netns"];

    private static readonly Dictionary<string, string[]> OutboundKeys = new()
    {
        ["vless"] = [.. Dial, "server", "server_port", "uuid", "flow", "network", "tls", "multiplex", "transport", "packet_encoding"],
        ["vmess"] = [.. Dial, "server", "server_port", "uuid", "security", "alter_id", "global_padding", "authenticated_length", "network", "tls", "packet_encoding", "multiplex", "transport"],
        ["trojan"] = [.. Dial, "server", "server_port", "password", "network", "tls", "multiplex", "transport"],
        ["shadowsocks"] = [.. Dial, "server", "server_port", "method", "password", "plugin", "plugin_opts", "network", "udp_over_tcp", "multiplex"],
        ["hysteria2"] = [.. Dial, "server", "server_port", "server_ports", "hop_interval", "up_mbps", "down_mbps", "obfs", "password", "network", "tls", "brutal_debug"],
        ["tuic"] = [.. Dial, "server", "server_port", "uuid", "password", "congestion_control", "udp_relay_mode", "udp_over_stream", "zero_rtt_handshake", "heartbeat", "network", "tls"],
        ["direct"] = Dial,
        ["block"] = [],
        ["selector"] = ["outbounds", "default", "interrupt_exist_connections"],
        ["urltest"] = ["outbounds", "url", "interval", "tolerance", "idle_timeout", "interrupt_exist_connections"],
    };

    private static readonly string[] TlsKeys =
    [
        "enabled", "disable_sni", "server_name", "insecure", "alpn", "min_version", "max_version", "cipher_suites", "certificate", "certificate_path",
        "fragment", "fragment_fallback_delay", "record_fragment", "ech", "utls", "reality",
    ];

    private static readonly Dictionary<string, string[]> TransportKeys = new()
    {
        ["http"] = ["host", "path", "method", "headers", "idle_timeout", "ping_timeout"],
        ["ws"] = ["path", "headers", "max_early_data", "early_data_header_name"],
        ["quic"] = [],
        ["grpc"] = ["service_name", "idle_timeout", "ping_timeout", "permit_without_stream"],
        ["httpupgrade"] = ["host", "path", "headers"],
    };

    private static readonly Dictionary<string, string[]> DnsServerKeys = new()
    {
        ["local"] = Dial,
        ["udp"] = [.. Dial, "server", "server_port"],
        ["tcp"] = [.. Dial, "server", "server_port"],
        ["tls"] = [.. Dial, "server", "server_port", "tls"],
        ["quic"] = [.. Dial, "server", "server_port", "tls"],
        ["https"] = [.. Dial, "server", "server_port", "tls", "path", "method", "headers"],
        ["h3"] = [.. Dial, "server", "server_port", "tls", "path", "method", "headers"],
        ["hosts"] = ["path", "predefined"],
        ["fakeip"] = ["inet4_range", "inet6_range"],
        ["dhcp"] = [.. Dial, "interface"],
    };

    private static readonly Dictionary<string, string[]> InboundKeys = new()
    {
        ["tun"] =
        [
            "interface_name", "mtu", "address", "auto_route", "iproute2_table_index", "iproute2_rule_index", "auto_redirect", "auto_redirect_input_mark",
            "auto_redirect_output_mark", "loopback_address", "strict_route", "route_address", "route_address_set", "route_exclude_address",
            "route_exclude_address_set", "include_interface", "exclude_interface", "include_uid", "include_uid_range", "exclude_uid", "exclude_uid_range",
            "include_android_user", "include_package", "exclude_package", "udp_timeout", "stack", "platform", "endpoint_independent_nat",
        ],
        ["mixed"] = [.. Listen, "users", "set_system_proxy", "domain_resolver", "tls"],
        ["socks"] = [.. Listen, "users", "domain_resolver"],
        ["http"] = [.. Listen, "users", "set_system_proxy", "domain_resolver", "tls"],
    };

    private static readonly string[] RouteRuleMatch =
    [
        "inbound", "ip_version", "network", "auth_user", "protocol", "client", "domain", "domain_suffix", "domain_keyword", "domain_regex",
        "source_ip_cidr", "source_ip_is_private", "ip_cidr", "ip_is_private", "source_port", "source_port_range", "port", "port_range",
        "process_name", "process_path", "process_path_regex", "package_name", "user", "user_id", "clash_mode", "network_type",
        "network_is_expensive", "network_is_constrained", "wifi_ssid", "wifi_bssid", "rule_set", "rule_set_ip_cidr_match_source", "invert",
    ];

    private static readonly Dictionary<string, string[]> RouteActionKeys = new()
    {
        ["route"] =
        [
            "outbound", "override_address", "override_port", "network_strategy", "fallback_delay", "udp_disable_domain_unmapping", "udp_connect",
            "udp_timeout", "tls_fragment", "tls_fragment_fallback_delay", "tls_record_fragment",
        ],
        ["route-options"] =
        [
            "override_address", "override_port", "network_strategy", "fallback_delay", "udp_disable_domain_unmapping", "udp_connect", "udp_timeout",
            "tls_fragment", "tls_fragment_fallback_delay", "tls_record_fragment",
        ],
        ["direct"] = Dial.Where(k => k != "detour").ToArray(),
        ["reject"] = ["method", "no_drop"],
        ["hijack-dns"] = [],
        ["sniff"] = ["sniffer", "timeout"],
        ["resolve"] = ["server", "strategy", "disable_cache", "rewrite_ttl", "client_subnet"],
    };

    private static readonly Dictionary<string, string[]> DnsActionKeys = new()
    {
        ["route"] = ["server", "strategy", "disable_cache", "rewrite_ttl", "client_subnet"],
        ["route-options"] = ["disable_cache", "rewrite_ttl", "client_subnet"],
        ["reject"] = ["method", "no_drop"],
        ["predefined"] = ["rcode", "answer", "ns", "extra"],
    };

    private static readonly HashSet<string> UtlsFingerprints = ["chrome", "firefox", "edge", "safari", "360", "qq", "ios", "android", "random", "randomized"];

    private readonly List<string> _problems = [];
    private readonly HashSet<string> _outboundTags = [];
    private readonly HashSet<string> _dnsTags = [];
    private readonly HashSet<string> _inboundTags = [];
    private readonly HashSet<string> _ruleSetTags = [];
    private readonly List<(string Path, string Tag, char Kind)> _refs = [];

    public static IReadOnlyList<string> Check(JsonElement root)
    {
        var c = new SingBoxConfigChecker();
        c.Root(root);
        return c._problems;
    }

    private void Root(JsonElement root)
    {
        Keys(root, "$", ["$schema", "log", "dns", "ntp", "certificate", "endpoints", "inbounds", "outbounds", "route", "services", "experimental"]);
        if (root.TryGetProperty("log", out JsonElement log)) Keys(log, "$.log", ["disabled", "level", "output", "timestamp"]);
        if (root.TryGetProperty("endpoints", out JsonElement endpoints)) Each(endpoints, "$.endpoints", Endpoint);
        if (root.TryGetProperty("outbounds", out JsonElement outbounds)) Each(outbounds, "$.outbounds", Outbound);
        if (root.TryGetProperty("inbounds", out JsonElement inbounds)) Each(inbounds, "$.inbounds", Inbound);
        if (root.TryGetProperty("route", out JsonElement route)) Route(route);
        if (root.TryGetProperty("dns", out JsonElement dns)) Dns(dns);
        else if (root.TryGetProperty("route", out JsonElement r) && r.TryGetProperty("default_domain_resolver", out _)) Problem("$.dns", "default_domain_resolver without dns servers");
        if (root.TryGetProperty("experimental", out JsonElement experimental))
        {
            Keys(experimental, "$.experimental", ["cache_file", "clash_api", "debug"]);
            if (experimental.TryGetProperty("cache_file", out JsonElement cache))
                Keys(cache, "$.experimental.cache_file", ["enabled", "path", "cache_id", "store_fakeip", "store_rdrc", "rdrc_timeout"]);
            if (experimental.TryGetProperty("clash_api", out JsonElement clash))
            {
                Keys(clash, "$.experimental.clash_api",
                [
                    "external_controller", "external_ui", "external_ui_download_url", "external_ui_download_detour", "secret", "default_mode",
                    "access_control_allow_origin", "access_control_allow_private_network",
                ]);
            }
        }
        foreach (var (path, tag, kind) in _refs)
        {
            HashSet<string> set = kind switch { 'o' => _outboundTags, 'd' => _dnsTags, 'i' => _inboundTags, _ => _ruleSetTags };
            if (!set.Contains(tag)) Problem(path, $"tag '{tag}' does not resolve");
        }
    }

    private void Outbound(JsonElement o, string path)
    {
        string? type = Type(o, path);
        if (type is null) return;
        if (!OutboundKeys.TryGetValue(type, out string[]? keys))
        {
            Problem(path, $"outbound type '{type}' is not accepted by both 1.12 and 1.13 (or not expected in a client config)");
            return;
        }
        Keys(o, path, ["type", "tag", .. keys]);
        string? tag = Str(o, path, "tag", required: true);
        if (tag is not null && !_outboundTags.Add(tag)) Problem(path + ".tag", "duplicate outbound/endpoint tag");
        if (o.TryGetProperty("detour", out JsonElement detour)) _refs.Add((path + ".detour", detour.GetString()!, 'o'));
        Resolver(o, path);
        if (keys.Contains("server_port"))
        {
            Str(o, path, "server", required: true);
            if (!o.TryGetProperty("server_port", out JsonElement port) || port.ValueKind != JsonValueKind.Number || !port.TryGetUInt16(out ushort p) || p == 0)
                Problem(path + ".server_port", "required, a number from 1 to 65535");
        }
        switch (type)
        {
            case "vless":
                Uuid(o, path);
                if (o.TryGetProperty("flow", out JsonElement flow) && flow.GetString() is not ("" or "xtls-rprx-vision")) Problem(path + ".flow", "unsupported flow");
                break;
            case "vmess":
                Uuid(o, path);
                if (o.TryGetProperty("security", out JsonElement sec) && sec.GetString() is not ("auto" or "none" or "zero" or "aes-128-gcm" or "chacha20-poly1305" or "aes-128-ctr"))
                    Problem(path + ".security", "unknown vmess security");
                break;
            case "trojan":
                Str(o, path, "password", required: true);
                break;
            case "shadowsocks":
                Shadowsocks(o, path);
                break;
            case "hysteria2":
                Str(o, path, "password", required: true);
                if (o.TryGetProperty("obfs", out JsonElement obfs))
                {
                    Keys(obfs, path + ".obfs", ["type", "password"]);
                    if (Str(obfs, path + ".obfs", "type", required: true) != "salamander") Problem(path + ".obfs.type", "must be salamander");
                    Str(obfs, path + ".obfs", "password", required: true);
                }
                break;
            case "tuic":
                Uuid(o, path);
                if (o.TryGetProperty("congestion_control", out JsonElement cc) && cc.GetString() is not ("cubic" or "new_reno" or "bbr")) Problem(path, "bad congestion_control");
                if (o.TryGetProperty("udp_relay_mode", out JsonElement relay) && relay.GetString() is not ("native" or "quic")) Problem(path, "bad udp_relay_mode");
                break;
            case "selector" or "urltest":
                Members(o, path, type);
                break;
        }
        bool quic = type is "hysteria2" or "tuic"
            || (o.TryGetProperty("transport", out JsonElement tr) && tr.TryGetProperty("type", out JsonElement tt) && tt.GetString() == "quic");
        if (type is "hysteria2" or "tuic" && !IsEnabledTls(o)) Problem(path + ".tls", $"{type} requires TLS");
        if (o.TryGetProperty("tls", out JsonElement tls)) Tls(tls, path + ".tls", quic);
        if (o.TryGetProperty("transport", out JsonElement transport)) Transport(transport, path + ".transport", o);
    }

    /// <summary>
    /// SINGBOX.md §2, "WireGuard endpoint": the only endpoint type a client config here has; its tag shares the outbounds'
    /// namespace. Keys must be base64 of 32 bytes, addresses prefixes, a peer needs address, port and public key.
    /// </summary>
    private void Endpoint(JsonElement e, string path)
    {
        if (Type(e, path) is not { } type) return;
        if (type != "wireguard")
        {
            Problem(path, $"endpoint type '{type}' is not expected in a client config");
            return;
        }
        Keys(e, path, ["type", "tag", "system", "name", "mtu", "address", "private_key", "listen_port", "udp_timeout", "workers", "peers", .. Dial]);
        string? tag = Str(e, path, "tag", required: true);
        if (tag is not null && !_outboundTags.Add(tag)) Problem(path + ".tag", "duplicate outbound/endpoint tag");
        if (!e.TryGetProperty("address", out JsonElement address) || address.ValueKind != JsonValueKind.Array || address.GetArrayLength() == 0)
            Problem(path + ".address", "required, a list of prefixes");
        else
        {
            foreach (JsonElement a in address.EnumerateArray())
            {
                if (!System.Net.IPNetwork.TryParse(a.GetString(), out _)) Problem(path + ".address", $"'{a}' is not a prefix");
            }
        }
        WireGuardKey(e, path, "private_key", required: true);
        if (e.TryGetProperty("mtu", out JsonElement mtu) && (mtu.ValueKind != JsonValueKind.Number || !mtu.TryGetUInt32(out _))) Problem(path + ".mtu", "must be a number");
        if (!e.TryGetProperty("peers", out JsonElement peers) || peers.ValueKind != JsonValueKind.Array || peers.GetArrayLength() == 0)
        {
            Problem(path + ".peers", "a client endpoint needs its server as a peer");
            return;
        }
        int i = 0;
        foreach (JsonElement p in peers.EnumerateArray())
        {
            string pp = $"{path}.peers[{i++}]";
            Keys(p, pp, ["address", "port", "public_key", "pre_shared_key", "allowed_ips", "persistent_keepalive_interval", "reserved"]);
            Str(p, pp, "address", required: true);
            if (!p.TryGetProperty("port", out JsonElement port) || !port.TryGetUInt16(out ushort n) || n == 0) Problem(pp + ".port", "required, 1 to 65535");
            WireGuardKey(p, pp, "public_key", required: true);
            WireGuardKey(p, pp, "pre_shared_key", required: false);
            if (p.TryGetProperty("allowed_ips", out JsonElement allowed))
            {
                foreach (JsonElement a in allowed.EnumerateArray())
                {
                    if (!System.Net.IPNetwork.TryParse(a.GetString(), out _)) Problem(pp + ".allowed_ips", $"'{a}' is not a prefix");
                }
            }
        }
    }

    private void WireGuardKey(JsonElement o, string path, string key, bool required)
    {
        string? value = Str(o, path, key, required);
        if (value is null) return;
        Span<byte> bytes = stackalloc byte[33];
        if (!Convert.TryFromBase64String(value, bytes, out int written) || written != 32) Problem(path + "." + key, "not base64 of 32 bytes");
    }

    private void Members(JsonElement o, string path, string type)
    {
        if (!o.TryGetProperty("outbounds", out JsonElement members) || members.ValueKind != JsonValueKind.Array || members.GetArrayLength() == 0)
        {
            Problem(path + ".outbounds", $"{type} needs a non-empty list of outbounds");
            return;
        }
        var names = new List<string>();
        int i = 0;
        foreach (JsonElement m in members.EnumerateArray())
        {
            names.Add(m.GetString()!);
            _refs.Add(($"{path}.outbounds[{i++}]", m.GetString()!, 'o'));
        }
        if (o.TryGetProperty("default", out JsonElement d) && !names.Contains(d.GetString()!)) Problem(path + ".default", "default must be a member");
        if (type == "urltest" && o.TryGetProperty("interval", out JsonElement interval) && !IsDuration(interval.GetString())) Problem(path + ".interval", "not a Go duration");
        if (type == "urltest" && o.TryGetProperty("tolerance", out JsonElement tol) && tol.ValueKind != JsonValueKind.Number) Problem(path + ".tolerance", "must be a number");
    }

    private void Shadowsocks(JsonElement o, string path)
    {
        string? method = Str(o, path, "method", required: true);
        string? password = Str(o, path, "password", required: true);
        if (method is null || password is null) return;
        if (method.StartsWith("2022-", StringComparison.Ordinal))
        {
            int len = method == "2022-blake3-aes-128-gcm" ? 16 : 32;
            string[] keys = password.Split(':');
            if (method == "2022-blake3-chacha20-poly1305" && keys.Length > 1) Problem(path + ".password", "chacha20 2022 refuses a key list (os.ErrInvalid)");
            foreach (string k in keys)
            {
                byte[] bytes;
                try { bytes = Convert.FromBase64String(k); }
                catch (FormatException) { Problem(path + ".password", "not base64"); continue; }
                if (bytes.Length < len) Problem(path + ".password", "key shorter than the method's key (ErrBadKey)");
            }
        }
        else if (method is not ("aes-128-gcm" or "aes-192-gcm" or "aes-256-gcm" or "chacha20-ietf-poly1305" or "xchacha20-ietf-poly1305" or "none"))
        {
            Problem(path + ".method", "unknown method");
        }
    }

    private void Tls(JsonElement tls, string path, bool quic)
    {
        Keys(tls, path, TlsKeys);
        bool utlsEnabled = false;
        if (tls.TryGetProperty("utls", out JsonElement utls))
        {
            Keys(utls, path + ".utls", ["enabled", "fingerprint"]);
            utlsEnabled = utls.TryGetProperty("enabled", out JsonElement e) && e.GetBoolean();
            if (utls.TryGetProperty("fingerprint", out JsonElement f) && f.GetString() is { Length: > 0 } fp && !UtlsFingerprints.Contains(fp))
                Problem(path + ".utls.fingerprint", "unknown uTLS fingerprint");
            if (quic && utlsEnabled) Problem(path + ".utls", "unsupported usage for uTLS (QUIC)");
        }
        if (tls.TryGetProperty("reality", out JsonElement reality))
        {
            Keys(reality, path + ".reality", ["enabled", "public_key", "short_id"]);
            if (!utlsEnabled) Problem(path + ".reality", "uTLS is required by reality client");
            if (quic) Problem(path + ".reality", "reality over QUIC");
            string key = reality.TryGetProperty("public_key", out JsonElement pk) ? pk.GetString() ?? "" : "";
            byte[] buffer = new byte[64];
            if (key.Contains('=') || !Base64Url.IsValid(key) || !Base64Url.TryDecodeFromChars(key, buffer, out int n) || n != 32)
                Problem(path + ".reality.public_key", "must be RawURL base64 of 32 bytes");
            if (reality.TryGetProperty("short_id", out JsonElement sid))
            {
                string s = sid.GetString() ?? "";
                if (s.Length % 2 != 0 || s.Length > 16 || !s.All(char.IsAsciiHexDigit)) Problem(path + ".reality.short_id", "bad short id");
            }
        }
        if (tls.TryGetProperty("ech", out JsonElement ech)) Keys(ech, path + ".ech", ["enabled", "config", "config_path"]);
    }

    private void Transport(JsonElement t, string path, JsonElement outbound)
    {
        string? type = Type(t, path);
        if (type is null) return;
        if (!TransportKeys.TryGetValue(type, out string[]? keys))
        {
            Problem(path + ".type", $"transport '{type}' is not in upstream sing-box");
            return;
        }
        Keys(t, path, ["type", .. keys]);
        if (type == "ws" && t.TryGetProperty("headers", out JsonElement headers))
        {
            foreach (JsonProperty h in headers.EnumerateObject())
            {
                if (h.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Array)) Problem(path + ".headers", "header values are strings or lists");
            }
        }
        if (type == "httpupgrade" && t.TryGetProperty("host", out JsonElement host) && host.ValueKind != JsonValueKind.String) Problem(path + ".host", "httpupgrade host is one string");
        if (type == "quic" && !IsEnabledTls(outbound)) Problem(path, "quic transport requires TLS");
    }

    private void Inbound(JsonElement inbound, string path)
    {
        string? type = Type(inbound, path);
        if (type is null) return;
        if (!InboundKeys.TryGetValue(type, out string[]? keys))
        {
            Problem(path, $"inbound type '{type}' not expected in a client config");
            return;
        }
        Keys(inbound, path, ["type", "tag", .. keys]);
        if (Str(inbound, path, "tag", required: false) is { } tag && !_inboundTags.Add(tag)) Problem(path + ".tag", "duplicate inbound tag");
        foreach (string key in new[] { "route_address_set", "route_exclude_address_set" })
        {
            if (inbound.TryGetProperty(key, out JsonElement sets)) TagList(sets, path + "." + key, 'r');
        }
        Resolver(inbound, path);
    }

    private void Route(JsonElement route)
    {
        Keys(route, "$.route",
        [
            "rules", "rule_set", "final", "find_process", "auto_detect_interface", "override_android_vpn", "default_interface", "default_mark",
            "default_domain_resolver", "default_network_strategy", "default_network_type", "default_fallback_network_type", "default_fallback_delay",
        ]);
        if (route.TryGetProperty("rule_set", out JsonElement sets))
        {
            Each(sets, "$.route.rule_set", (s, p) =>
            {
                Keys(s, p, ["type", "tag", "format", "path", "url", "download_detour", "update_interval", "rules"]);
                if (Str(s, p, "tag", required: true) is { } tag) _ruleSetTags.Add(tag);
                if (s.TryGetProperty("download_detour", out JsonElement d)) _refs.Add((p + ".download_detour", d.GetString()!, 'o'));
            });
        }
        if (route.TryGetProperty("rules", out JsonElement rules)) Each(rules, "$.route.rules", (r, p) => Rule(r, p, dns: false, nested: false));
        if (route.TryGetProperty("final", out JsonElement final)) _refs.Add(("$.route.final", final.GetString()!, 'o'));
        if (route.TryGetProperty("default_domain_resolver", out JsonElement resolver)) ResolverValue(resolver, "$.route.default_domain_resolver");
        else Problem("$.route", "default_domain_resolver missing (fatal in 1.13 when a server is a domain and there are 2+ DNS servers)");
    }

    private void Rule(JsonElement rule, string path, bool dns, bool nested)
    {
        string action = rule.TryGetProperty("action", out JsonElement a) ? a.GetString()! : "route";
        Dictionary<string, string[]> actions = dns ? DnsActionKeys : RouteActionKeys;
        if (!actions.TryGetValue(action, out string[]? actionKeys))
        {
            Problem(path + ".action", $"action '{action}' not accepted by both versions");
            return;
        }
        bool logical = rule.TryGetProperty("type", out JsonElement t) && t.GetString() == "logical";
        string[] match = dns ? [.. RouteRuleMatch, "query_type", "ip_accept_any", "rule_set_ip_cidr_accept_empty"] : RouteRuleMatch;
        Keys(rule, path, logical ? ["type", "mode", "rules", "invert", "action", .. actionKeys] : ["type", "action", .. match, .. actionKeys]);
        if (rule.TryGetProperty("inbound", out JsonElement inbound)) TagList(inbound, path + ".inbound", 'i');
        if (rule.TryGetProperty("rule_set", out JsonElement sets)) TagList(sets, path + ".rule_set", 'r');
        if (rule.TryGetProperty("outbound", out JsonElement outbound)) _refs.Add((path + ".outbound", outbound.GetString()!, 'o'));
        if (rule.TryGetProperty("server", out JsonElement server)) _refs.Add((path + ".server", server.GetString()!, 'd'));
        if (!nested && action == "route" && !rule.TryGetProperty(dns ? "server" : "outbound", out _)) Problem(path, "route action without its target");
        if (rule.TryGetProperty("sniffer", out JsonElement sniffers))
        {
            foreach (JsonElement s in sniffers.ValueKind == JsonValueKind.Array ? sniffers.EnumerateArray().ToArray() : [sniffers])
            {
                if (s.GetString() is not ("http" or "tls" or "quic" or "stun" or "dns" or "bittorrent" or "dtls" or "ssh" or "rdp" or "ntp")) Problem(path + ".sniffer", "unknown sniffer");
            }
        }
        if (logical && rule.TryGetProperty("rules", out JsonElement inner)) Each(inner, path + ".rules", (r, p) => Rule(r, p, dns, nested: true));
    }

    private void Dns(JsonElement dns)
    {
        Keys(dns, "$.dns", ["servers", "rules", "final", "reverse_mapping", "strategy", "disable_cache", "disable_expire", "independent_cache", "cache_capacity", "client_subnet"]);
        if (dns.TryGetProperty("servers", out JsonElement servers))
        {
            Each(servers, "$.dns.servers", (s, p) =>
            {
                string? type = Type(s, p);
                if (type is null) return;
                if (!DnsServerKeys.TryGetValue(type, out string[]? keys))
                {
                    Problem(p, $"DNS server type '{type}' unexpected");
                    return;
                }
                Keys(s, p, ["type", "tag", .. keys]);
                if (Str(s, p, "tag", required: true) is { } tag && !_dnsTags.Add(tag)) Problem(p + ".tag", "duplicate DNS server tag");
                if (s.TryGetProperty("detour", out JsonElement d)) _refs.Add((p + ".detour", d.GetString()!, 'o'));
                Resolver(s, p);
                if (s.TryGetProperty("server", out JsonElement address))
                {
                    string a = address.GetString() ?? "";
                    if (a.Contains("://", StringComparison.Ordinal)) Problem(p + ".server", "a bare address, not a URL");
                    if (!System.Net.IPAddress.TryParse(a, out _) && !s.TryGetProperty("domain_resolver", out _)) Problem(p + ".server", "missing domain resolver for domain server address");
                }
            });
        }
        if (dns.TryGetProperty("rules", out JsonElement rules)) Each(rules, "$.dns.rules", (r, p) => Rule(r, p, dns: true, nested: false));
        if (dns.TryGetProperty("final", out JsonElement final)) _refs.Add(("$.dns.final", final.GetString()!, 'd'));
    }

    private void Resolver(JsonElement o, string path)
    {
        if (o.TryGetProperty("domain_resolver", out JsonElement r)) ResolverValue(r, path + ".domain_resolver");
    }

    private void ResolverValue(JsonElement r, string path)
    {
        if (r.ValueKind == JsonValueKind.String)
        {
            _refs.Add((path, r.GetString()!, 'd'));
            return;
        }
        Keys(r, path, ["server", "strategy", "disable_cache", "rewrite_ttl", "client_subnet"]);
        if (r.TryGetProperty("server", out JsonElement s)) _refs.Add((path + ".server", s.GetString()!, 'd'));
    }

    private void TagList(JsonElement v, string path, char kind)
    {
        if (v.ValueKind == JsonValueKind.String)
        {
            _refs.Add((path, v.GetString()!, kind));
            return;
        }
        int i = 0;
        foreach (JsonElement e in v.EnumerateArray()) _refs.Add(($"{path}[{i++}]", e.GetString()!, kind));
    }

    private void Uuid(JsonElement o, string path)
    {
        if (Str(o, path, "uuid", required: true) is { } u && !Guid.TryParse(u, out _)) Problem(path + ".uuid", "not a UUID");
    }

    private static bool IsEnabledTls(JsonElement o)
        => o.TryGetProperty("tls", out JsonElement tls) && tls.TryGetProperty("enabled", out JsonElement e) && e.ValueKind == JsonValueKind.True;

    private static bool IsDuration(string? s)
        => s is { Length: > 1 } && char.IsAsciiDigit(s[0]) && s.All(c => char.IsAsciiDigit(c) || c is 'n' or 'u' or 'm' or 's' or 'h' or 'd' or '.');

    private string? Type(JsonElement o, string path) => Str(o, path, "type", required: true);

    private string? Str(JsonElement o, string path, string key, bool required)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            Problem(path, "must be an object");
            return null;
        }
        if (!o.TryGetProperty(key, out JsonElement v))
        {
            if (required) Problem(path + "." + key, "required");
            return null;
        }
        if (v.ValueKind != JsonValueKind.String || v.GetString()!.Length == 0)
        {
            Problem(path + "." + key, "must be a non-empty string");
            return null;
        }
        return v.GetString();
    }

    private void Keys(JsonElement o, string path, string[] allowed)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            Problem(path, "must be an object");
            return;
        }
        foreach (JsonProperty p in o.EnumerateObject())
        {
            if (!allowed.Contains(p.Name)) Problem(path + "." + p.Name, "key not accepted by both sing-box 1.12 and 1.13");
        }
    }

    private void Each(JsonElement array, string path, Action<JsonElement, string> check)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            Problem(path, "must be an array");
            return;
        }
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray()) check(e, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"));
    }

    private void Problem(string path, string message) => _problems.Add(path + ": " + message);
}
