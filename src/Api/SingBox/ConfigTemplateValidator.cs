using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// Judges an operator's base template before it is saved: a JSON object with only the top-level keys sing-box 1.12
/// and 1.13 both know, new-format DNS servers only, no <c>dns</c>/<c>wireguard</c> outbound, none of the deprecated
/// fields that stop 1.12 or 1.13 from starting (see /work/shared/SINGBOX.md §9), a <c>route.default_domain_resolver</c>,
/// and every tag it references defined (outbound tags may also be the renderer's own <c>proxy</c> and <c>auto</c>).
/// It does not re-check every nested key: the config tests walk rendered documents with a full allow-list.
/// </summary>
internal sealed class ConfigTemplateValidator
{
    /// <summary>Outbound tags the renderer adds: the selector every client shows and the urltest inside it.</summary>
    public static readonly FrozenSet<string> ReservedOutboundTags = new[] { ConfigRenderer.SelectorTag, ConfigRenderer.UrlTestTag }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> DnsServerTypes =
        new[] { "local", "udp", "tcp", "tls", "quic", "https", "h3", "hosts", "fakeip", "dhcp", "resolved", "tailscale" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> RemoteDnsServerTypes = new[] { "udp", "tcp", "tls", "quic", "https", "h3" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> RuleActions =
        new[] { "route", "route-options", "direct", "reject", "hijack-dns", "sniff", "resolve" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> DnsRuleActions = new[] { "route", "route-options", "reject", "predefined" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> LegacyInboundFields =
        new[] { "sniff", "sniff_override_destination", "sniff_timeout", "domain_strategy", "udp_disable_domain_unmapping" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> LegacyTunFields =
        new[] { "inet4_address", "inet6_address", "inet4_route_address", "inet6_route_address", "inet4_route_exclude_address", "inet6_route_exclude_address", "gso" }
            .ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> RemovedRuleItems =
        new[] { "geoip", "geosite", "source_geoip", "rule_set_ipcidr_match_source" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> RemovedClashApiFields =
        new[] { "cache_file", "cache_id", "store_mode", "store_selected", "store_fakeip" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> LegacyTlsFields = new[] { "pq_signature_schemes_enabled", "dynamic_record_sizing_disabled" }.ToFrozenSet(StringComparer.Ordinal);

    private readonly TemplateErrors _errors;
    private readonly HashSet<string> _outboundTags = new(ReservedOutboundTags, StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _bareDirect = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dnsTags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inboundTags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ruleSetTags = new(StringComparer.Ordinal);
    private readonly List<(string Path, string Tag, Kind Kind)> _references = [];

    private ConfigTemplateValidator(TemplateErrors errors) => _errors = errors;

    private enum Kind
    {
        Outbound,
        DnsServer,
        Inbound,
        RuleSet,
        DnsDetour,
    }

    /// <summary>Validates <paramref name="root"/>; messages go to <paramref name="errors"/> under its root name.</summary>
    public static void Validate(JsonElement root, TemplateErrors errors)
    {
        var v = new ConfigTemplateValidator(errors);
        v.Run(root);
    }

    private string P(string relative) => _errors.Root.Length == 0 ? relative : _errors.Root + "." + relative;

    private void Run(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            _errors.Add(_errors.Root, "The template must be a JSON object.");
            return;
        }
        foreach (JsonProperty p in root.EnumerateObject())
        {
            if (ConfigSections.IndexOf(p.Name) < 0)
            {
                _errors.Add(P(p.Name), "Not a top-level key sing-box 1.12 and 1.13 both accept: " + string.Join(", ", ConfigSections.Ordered) + ".");
            }
        }

        // Definitions first, so references can be checked in any order.
        JsonElement outbounds = Section(root, ConfigSections.Outbounds, JsonValueKind.Array);
        JsonElement endpoints = Section(root, ConfigSections.Endpoints, JsonValueKind.Array);
        JsonElement inbounds = Section(root, ConfigSections.Inbounds, JsonValueKind.Array);
        JsonElement dns = Section(root, ConfigSections.Dns, JsonValueKind.Object);
        JsonElement route = Section(root, ConfigSections.Route, JsonValueKind.Object);
        JsonElement experimental = Section(root, ConfigSections.Experimental, JsonValueKind.Object);
        foreach (string name in new[] { ConfigSections.Log, ConfigSections.Ntp, ConfigSections.Certificate, ConfigSections.Services })
        {
            if (root.TryGetProperty(name, out JsonElement section) && section.ValueKind != (name == ConfigSections.Services ? JsonValueKind.Array : JsonValueKind.Object))
                _errors.Add(P(name), name == ConfigSections.Services ? "Must be an array." : "Must be an object.");
        }

        if (outbounds.ValueKind == JsonValueKind.Array) CheckOutbounds(outbounds);
        if (endpoints.ValueKind == JsonValueKind.Array) CheckEndpoints(endpoints);
        if (inbounds.ValueKind == JsonValueKind.Array) CheckInbounds(inbounds);
        if (route.ValueKind == JsonValueKind.Object && route.TryGetProperty("rule_set", out JsonElement ruleSets)) DefineRuleSets(ruleSets);
        if (dns.ValueKind == JsonValueKind.Object) CheckDns(dns);
        else _errors.Add(P(ConfigSections.Dns), "Required: an object with new-format servers (route.default_domain_resolver must name one).");
        if (route.ValueKind == JsonValueKind.Object) CheckRoute(route);
        else _errors.Add(P(ConfigSections.Route), "Required: an object with default_domain_resolver (sing-box 1.13 refuses to start without it when a server is a domain name).");
        if (experimental.ValueKind == JsonValueKind.Object && experimental.TryGetProperty("clash_api", out JsonElement clash) && clash.ValueKind == JsonValueKind.Object)
        {
            Refuse(clash, P("experimental.clash_api"), RemovedClashApiFields, "Removed in sing-box 1.8 (an error); use experimental.cache_file.");
        }

        foreach (var (path, tag, kind) in _references)
        {
            bool defined = kind switch
            {
                Kind.Outbound => _outboundTags.Contains(tag),
                Kind.DnsDetour => _outboundTags.Contains(tag),
                Kind.DnsServer => _dnsTags.Contains(tag),
                Kind.Inbound => _inboundTags.Contains(tag),
                _ => _ruleSetTags.Contains(tag),
            };
            string what = kind switch
            {
                Kind.Outbound or Kind.DnsDetour => "outbound or endpoint",
                Kind.DnsServer => "DNS server",
                Kind.Inbound => "inbound",
                _ => "rule set",
            };
            if (!defined) _errors.Add(path, $"No {what} has the tag '{Shorten(tag)}'.");
            else if (kind == Kind.DnsDetour && _bareDirect.GetValueOrDefault(tag))
                _errors.Add(path, $"'{Shorten(tag)}' is a bare direct outbound; sing-box refuses such a detour on new-format DNS servers. Omit the detour.");
        }
    }

    private JsonElement Section(JsonElement root, string name, JsonValueKind kind)
    {
        if (!root.TryGetProperty(name, out JsonElement value)) return default;
        if (value.ValueKind == kind) return value;
        _errors.Add(P(name), kind == JsonValueKind.Array ? "Must be an array." : "Must be an object.");
        return default;
    }

    private void CheckOutbounds(JsonElement outbounds)
    {
        int i = 0;
        foreach (JsonElement o in outbounds.EnumerateArray())
        {
            string path = Index("outbounds", i++);
            if (!TypedObject(o, path, out string? type)) continue;
            if (type is "dns") _errors.Add(path + ".type", "The dns outbound is fatal in sing-box 1.12 and removed in 1.13; route DNS with a hijack-dns rule action.");
            if (type is "wireguard") _errors.Add(path + ".type", "The wireguard outbound is fatal in sing-box 1.12 and removed in 1.13; use a wireguard endpoint.");
            string? tag = DefineTag(o, path, _outboundTags, "outbound or endpoint", required: true);
            if (tag is not null && ReservedOutboundTags.Contains(tag)) _errors.Add(path + ".tag", $"'{tag}' is the renderer's own tag.");
            if (tag is not null && type == "direct") _bareDirect[tag] = IsBareDirect(o);
            if (type == "direct") Refuse(o, path, ["override_address", "override_port"], "Removed in sing-box 1.13 (fatal in 1.12); use a route-options rule action.");
            CheckDialFields(o, path);
            if (type is "selector" or "urltest") ReferenceList(o, path, "outbounds", Kind.Outbound);
            if (o.TryGetProperty("tls", out JsonElement tls) && tls.ValueKind == JsonValueKind.Object)
                Refuse(tls, path + ".tls", LegacyTlsFields, "Removed in sing-box 1.13 (fatal in 1.12).");
        }
    }

    private void CheckEndpoints(JsonElement endpoints)
    {
        int i = 0;
        foreach (JsonElement e in endpoints.EnumerateArray())
        {
            string path = Index("endpoints", i++);
            if (!TypedObject(e, path, out _)) continue;
            DefineTag(e, path, _outboundTags, "outbound or endpoint", required: true);
            CheckDialFields(e, path);
        }
    }

    private void CheckDialFields(JsonElement o, string path)
    {
        Refuse(o, path, ["domain_strategy"], "Deprecated in sing-box 1.12 and fatal in 1.13; use domain_resolver.strategy.");
        Reference(o, path, "detour", Kind.Outbound);
        ReferenceResolver(o, path, "domain_resolver");
    }

    private void CheckInbounds(JsonElement inbounds)
    {
        int i = 0;
        foreach (JsonElement inbound in inbounds.EnumerateArray())
        {
            string path = Index("inbounds", i++);
            if (!TypedObject(inbound, path, out string? type)) continue;
            DefineTag(inbound, path, _inboundTags, "inbound", required: false);
            Refuse(inbound, path, LegacyInboundFields, "Removed in sing-box 1.13 (fatal in 1.12); use sniff and resolve rule actions.");
            if (type == "tun")
            {
                Refuse(inbound, path, LegacyTunFields, "Removed in sing-box 1.12 (fatal); use address, route_address and route_exclude_address.");
                ReferenceList(inbound, path, "route_address_set", Kind.RuleSet);
                ReferenceList(inbound, path, "route_exclude_address_set", Kind.RuleSet);
            }
            ReferenceResolver(inbound, path, "domain_resolver");
        }
    }

    private void DefineRuleSets(JsonElement ruleSets)
    {
        if (ruleSets.ValueKind != JsonValueKind.Array)
        {
            _errors.Add(P("route.rule_set"), "Must be an array.");
            return;
        }
        int i = 0;
        foreach (JsonElement set in ruleSets.EnumerateArray())
        {
            string path = Index("route.rule_set", i++);
            if (!TypedObject(set, path, out _)) continue;
            DefineTag(set, path, _ruleSetTags, "rule set", required: true);
            Reference(set, path, "download_detour", Kind.Outbound);
        }
    }

    private void CheckDns(JsonElement dns)
    {
        if (dns.TryGetProperty("fakeip", out _)) _errors.Add(P("dns.fakeip"), "Legacy fakeip is fatal in sing-box 1.13; use a fakeip DNS server.");
        if (!dns.TryGetProperty("servers", out JsonElement servers) || servers.ValueKind != JsonValueKind.Array || servers.GetArrayLength() == 0)
        {
            _errors.Add(P("dns.servers"), "Required: a non-empty array of new-format servers ({type, tag, ...}).");
        }
        else
        {
            int i = 0;
            foreach (JsonElement server in servers.EnumerateArray())
            {
                string path = Index("dns.servers", i++);
                if (server.ValueKind != JsonValueKind.Object)
                {
                    _errors.Add(path, "Must be an object.");
                    continue;
                }
                if (server.TryGetProperty("address", out _) || !server.TryGetProperty("type", out _))
                {
                    _errors.Add(path, "Legacy DNS server format (address, address_resolver ...) is fatal in sing-box 1.13; write {type, tag, server} instead.");
                    continue;
                }
                if (!TypedObject(server, path, out string? type)) continue;
                if (!DnsServerTypes.Contains(type)) _errors.Add(path + ".type", "Must be one of " + string.Join(", ", DnsServerTypes.Order(StringComparer.Ordinal)) + ".");
                DefineTag(server, path, _dnsTags, "DNS server", required: true);
                Refuse(server, path, ["domain_strategy", "address_resolver", "address_strategy", "strategy"], "A legacy DNS server field; fatal in sing-box 1.13.");
                if (server.TryGetProperty("detour", out JsonElement detour) && detour.ValueKind == JsonValueKind.String)
                    _references.Add((path + ".detour", detour.GetString()!, Kind.DnsDetour));
                ReferenceResolver(server, path, "domain_resolver");
                if (RemoteDnsServerTypes.Contains(type) && server.TryGetProperty("server", out JsonElement address) && address.ValueKind == JsonValueKind.String
                    && !IPAddress.TryParse(address.GetString(), out _) && !server.TryGetProperty("domain_resolver", out _))
                {
                    _errors.Add(path + ".server", "A server given by name needs domain_resolver (sing-box: missing domain resolver for domain server address).");
                }
            }
        }
        if (dns.TryGetProperty("rules", out JsonElement rules)) CheckRules(rules, P("dns.rules"), dnsRules: true);
        Reference(dns, P("dns"), "final", Kind.DnsServer);
    }

    private void CheckRoute(JsonElement route)
    {
        Refuse(route, P("route"), ["geoip", "geosite"], "Dead since sing-box 1.12; use rule sets.");
        if (route.TryGetProperty("rules", out JsonElement rules)) CheckRules(rules, P("route.rules"), dnsRules: false);
        Reference(route, P("route"), "final", Kind.Outbound);
        if (!route.TryGetProperty("default_domain_resolver", out _))
        {
            _errors.Add(P("route.default_domain_resolver"), "Required: sing-box 1.13 refuses to start without it when a server is a domain name and there are two or more DNS servers.");
        }
        ReferenceResolver(route, P("route"), "default_domain_resolver");
    }

    private void CheckRules(JsonElement rules, string path, bool dnsRules)
    {
        if (rules.ValueKind != JsonValueKind.Array)
        {
            _errors.Add(path, "Must be an array.");
            return;
        }
        int i = 0;
        foreach (JsonElement rule in rules.EnumerateArray()) CheckRule(rule, Index2(path, i++), dnsRules, nested: false);
    }

    private void CheckRule(JsonElement rule, string path, bool dnsRules, bool nested)
    {
        if (rule.ValueKind != JsonValueKind.Object)
        {
            _errors.Add(path, "Must be an object.");
            return;
        }
        Refuse(rule, path, RemovedRuleItems, "Removed from sing-box (an error since 1.12); use rule sets.");
        if (dnsRules) Refuse(rule, path, ["outbound"], "The DNS rule item outbound is fatal in sing-box 1.13; route.default_domain_resolver covers it.");
        string? action = rule.TryGetProperty("action", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        if (action is not null && !(dnsRules ? DnsRuleActions : RuleActions).Contains(action))
        {
            _errors.Add(path + ".action", "Must be one of " + string.Join(", ", (dnsRules ? DnsRuleActions : RuleActions).Order(StringComparer.Ordinal)) + ".");
        }
        ReferenceList(rule, path, "inbound", Kind.Inbound);
        ReferenceList(rule, path, "rule_set", Kind.RuleSet);
        if (dnsRules)
        {
            Reference(rule, path, "server", Kind.DnsServer);
            if (!nested && action is null or "route" && !rule.TryGetProperty("server", out _)) _errors.Add(path + ".server", "A route action needs a server.");
        }
        else
        {
            Reference(rule, path, "outbound", Kind.Outbound);
            if (action == "resolve") Reference(rule, path, "server", Kind.DnsServer);
            if (!nested && action is null or "route" && !rule.TryGetProperty("outbound", out _)) _errors.Add(path + ".outbound", "A route action needs an outbound.");
        }
        if (rule.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "logical"
            && rule.TryGetProperty("rules", out JsonElement inner) && inner.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement r in inner.EnumerateArray()) CheckRule(r, Index2(path + ".rules", i++), dnsRules, nested: true);
        }
    }

    private bool TypedObject(JsonElement o, string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? type)
    {
        type = null;
        if (o.ValueKind != JsonValueKind.Object)
        {
            _errors.Add(path, "Must be an object.");
            return false;
        }
        if (!o.TryGetProperty("type", out JsonElement t) || t.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(t.GetString()))
        {
            _errors.Add(path + ".type", "Required: a string.");
            return false;
        }
        type = t.GetString()!;
        return true;
    }

    private string? DefineTag(JsonElement o, string path, HashSet<string> tags, string what, bool required)
    {
        if (!o.TryGetProperty("tag", out JsonElement t))
        {
            if (required) _errors.Add(path + ".tag", "Required: a non-empty string.");
            return null;
        }
        if (t.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(t.GetString()))
        {
            _errors.Add(path + ".tag", "Must be a non-empty string.");
            return null;
        }
        string tag = t.GetString()!;
        if (!tags.Add(tag) && !ReservedOutboundTags.Contains(tag)) _errors.Add(path + ".tag", $"Another {what} has the tag '{Shorten(tag)}'.");
        return tag;
    }

    private void Reference(JsonElement o, string path, string key, Kind kind)
    {
        if (!o.TryGetProperty(key, out JsonElement v)) return;
        if (v.ValueKind == JsonValueKind.String) _references.Add((P2(path, key), v.GetString()!, kind));
        else _errors.Add(P2(path, key), "Must be a tag (a string).");
    }

    private void ReferenceList(JsonElement o, string path, string key, Kind kind)
    {
        if (!o.TryGetProperty(key, out JsonElement v)) return;
        if (v.ValueKind == JsonValueKind.String)
        {
            _references.Add((P2(path, key), v.GetString()!, kind));
            return;
        }
        if (v.ValueKind != JsonValueKind.Array)
        {
            _errors.Add(P2(path, key), "Must be a tag or a list of tags.");
            return;
        }
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) _references.Add((Index2(P2(path, key), i), item.GetString()!, kind));
            else _errors.Add(Index2(P2(path, key), i), "Must be a tag (a string).");
            i++;
        }
    }

    /// <summary>A domain resolver is a DNS server tag or an object whose <c>server</c> is one.</summary>
    private void ReferenceResolver(JsonElement o, string path, string key)
    {
        if (!o.TryGetProperty(key, out JsonElement v)) return;
        if (v.ValueKind == JsonValueKind.Object) Reference(v, P2(path, key), "server", Kind.DnsServer);
        else Reference(o, path, key, Kind.DnsServer);
    }

    private void Refuse(JsonElement o, string path, IEnumerable<string> keys, string reason)
    {
        foreach (string key in keys)
        {
            if (o.TryGetProperty(key, out _)) _errors.Add(P2(path, key), reason);
        }
    }

    private static bool IsBareDirect(JsonElement o)
    {
        foreach (JsonProperty p in o.EnumerateObject())
        {
            if (p.Name is not "type" and not "tag") return false;
        }
        return true;
    }

    private static string P2(string path, string key) => path + "." + key;

    private string Index(string path, int i) => P(path) + string.Create(CultureInfo.InvariantCulture, $"[{i}]");

    private static string Index2(string fullPath, int i) => fullPath + string.Create(CultureInfo.InvariantCulture, $"[{i}]");

    private static string Shorten(string tag) => tag.Length <= 64 ? tag : tag[..64] + "…";
}
