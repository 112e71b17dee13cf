namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// The base template shipped with the code; migration 0007 inserts the same document as the first current
/// template (a test keeps the two equal). Everything in it starts on sing-box 1.12 and 1.13 without any
/// <c>ENABLE_DEPRECATED_*</c> variable: new-format DNS servers, <c>route.default_domain_resolver</c>, sniff and
/// hijack-dns rule actions instead of inbound sniff fields and the dns outbound, tun <c>address</c> instead of
/// <c>inet4_address</c>. The renderer adds the <c>proxy</c> selector, the <c>auto</c> urltest and one outbound per
/// inbound in front of the template's own outbounds.
/// </summary>
internal static class DefaultConfigTemplate
{
    public const string Json = """
        {
          "log": {"level": "warn", "timestamp": true},
          "dns": {
            "servers": [
              {"type": "https", "tag": "remote", "server": "1.1.1.1", "detour": "proxy"},
              {"type": "local", "tag": "local"}
            ],
            "final": "remote",
            "strategy": "prefer_ipv4"
          },
          "inbounds": [
            {"type": "tun", "tag": "tun-in", "address": ["172.19.0.1/30", "fdfe:dcba:9876::1/126"], "auto_route": true, "strict_route": true, "stack": "mixed"},
            {"type": "mixed", "tag": "mixed-in", "listen": "127.0.0.1", "listen_port": 2080}
          ],
          "outbounds": [
            {"type": "direct", "tag": "direct"}
          ],
          "route": {
            "rules": [
              {"inbound": ["tun-in", "mixed-in"], "action": "sniff"},
              {"protocol": "dns", "action": "hijack-dns"},
              {"ip_is_private": true, "outbound": "direct"}
            ],
            "final": "proxy",
            "auto_detect_interface": true,
            "default_domain_resolver": "local"
          },
          "experimental": {"cache_file": {"enabled": true}}
        }
        """;
}
