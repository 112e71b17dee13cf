using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vpn.Perf.Load.Scenarios.Api;

/// <summary>
/// The priming check of one client format's body, by a parser the Api does not use for writing it: JSON for sing-box
/// and Xray, YamlDotNet for mihomo, base64 and <see cref="Uri"/> for share links, an INI reading of wg-quick's format
/// for WireGuard. With an expected count it also counts the proxies (WireGuard: peers), so an inbound the renderer
/// skipped shows up as invalid answers.
/// </summary>
internal sealed class ConfigBodyCheck
{
    /// <summary>The formats the config scenario can fetch, as the Api names them in <c>/s/{token}/{format}</c>.</summary>
    public static readonly string[] Formats = ["singbox", "mihomo", "xray", "links", "links-plain", "wireguard"];

    private static readonly string[] LinkSchemes = ["vless", "vmess", "trojan", "ss", "hysteria2", "tuic"];

    /// <summary>The reference server answers one JSON object of the config's size whatever format the path names.</summary>
    public static ConfigBodyCheck Reference { get; } = new("singbox", expectedProxies: null);

    private readonly string _format;
    private readonly int? _expectedProxies;

    public ConfigBodyCheck(string format, int? expectedProxies)
    {
        if (Array.IndexOf(Formats, format) < 0) throw new ArgumentException($"Unknown format {format}: one of {string.Join(", ", Formats)}.");
        _format = format;
        _expectedProxies = expectedProxies;
    }

    /// <summary>
    /// How many of the seeded inbounds (by protocol) a format can express: Xray has no hysteria2 or tuic client the
    /// apps' cores read (docs/config-rendering.md, protocol × format); every other format expresses all six.
    /// </summary>
    public static int ProxiesIn(string format, IEnumerable<string> protocols)
        => format == "xray" ? protocols.Count(static p => p is not ("hysteria2" or "tuic")) : protocols.Count();

    /// <summary>Null when the body is a valid config of the format (with the expected number of proxies), else why not.</summary>
    public string? Problem(byte[] body)
    {
        try
        {
            (int proxies, string? problem) = _format switch
            {
                "singbox" => SingBox(body, requireOutbounds: _expectedProxies is not null),
                "mihomo" => Mihomo(body),
                "xray" => Xray(body),
                "links" => Links(Encoding.ASCII.GetString(Convert.FromBase64String(Encoding.ASCII.GetString(body)))),
                "wireguard" => WgQuick(Encoding.UTF8.GetString(body)),
                _ => Links(Encoding.UTF8.GetString(body)),
            };
            if (problem is not null) return problem;
            return _expectedProxies is not { } expected || proxies == expected
                ? null
                : $"{proxies} proxies, expected {expected} (an inbound was skipped)";
        }
        catch (Exception ex) when (ex is JsonException or YamlException or FormatException or UriFormatException)
        {
            return $"not a valid {_format} body: {ex.Message}";
        }
    }

    private static (int, string?) SingBox(byte[] body, bool requireOutbounds)
    {
        using JsonDocument doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) return (0, "the body is not a JSON object");
        if (!doc.RootElement.TryGetProperty("outbounds", out JsonElement outbounds) || outbounds.ValueKind != JsonValueKind.Array)
        {
            // The reference's body is a JSON object of the config's size, nothing more.
            return (0, requireOutbounds ? "no outbounds array" : null);
        }
        return (outbounds.EnumerateArray().Count(static o =>
            o.TryGetProperty("type", out JsonElement t) && t.GetString() is "vless" or "vmess" or "trojan" or "shadowsocks" or "hysteria2" or "tuic"), null);
    }

    private static (int, string?) Mihomo(byte[] body)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(Encoding.UTF8.GetString(body))) yaml.Load(reader);
        if (yaml.Documents.Count != 1 || yaml.Documents[0].RootNode is not YamlMappingNode root) return (0, "not one YAML mapping");
        if (!root.Children.TryGetValue(new YamlScalarNode("proxies"), out YamlNode? proxies) || proxies is not YamlSequenceNode list)
        {
            return (0, "no proxies sequence");
        }
        foreach (YamlNode proxy in list)
        {
            if (proxy is not YamlMappingNode map || !map.Children.ContainsKey(new YamlScalarNode("name")) || !map.Children.ContainsKey(new YamlScalarNode("server")))
            {
                return (0, "a proxy without name or server");
            }
        }
        return (list.Children.Count, null);
    }

    private static (int, string?) Xray(byte[] body)
    {
        using JsonDocument doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return (0, "the body is not a JSON array of configs");
        foreach (JsonElement config in doc.RootElement.EnumerateArray())
        {
            if (!config.TryGetProperty("outbounds", out JsonElement outbounds) || outbounds.ValueKind != JsonValueKind.Array
                || outbounds.GetArrayLength() == 0 || !outbounds[0].TryGetProperty("protocol", out _))
            {
                return (0, "a config without a proxy outbound first");
            }
        }
        return (doc.RootElement.GetArrayLength(), null);
    }

    /// <summary>
    /// wg-quick's INI: one <c>[Interface]</c> with a private key (32 bytes in base64) and an address, then peers, each with
    /// a public key and an endpoint.
    /// </summary>
    private static (int, string?) WgQuick(string text)
    {
        var sections = new List<(string Name, Dictionary<string, string> Keys)>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] == '[')
            {
                sections.Add((line, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)));
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || sections.Count == 0) return (0, $"a line outside a section or without '=': {line}");
            sections[^1].Keys[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        if (sections.Count == 0 || sections[0].Name != "[Interface]") return (0, "no [Interface] first");
        Dictionary<string, string> iface = sections[0].Keys;
        if (!iface.TryGetValue("PrivateKey", out string? key) || Convert.FromBase64String(key).Length != 32) return (0, "no 32-byte PrivateKey");
        if (!iface.ContainsKey("Address")) return (0, "no Address");
        int peers = 0;
        foreach ((string name, Dictionary<string, string> keys) in sections.Skip(1))
        {
            if (name != "[Peer]" || !keys.ContainsKey("PublicKey") || !keys.ContainsKey("Endpoint")) return (0, $"{name} is not a peer with PublicKey and Endpoint");
            peers++;
        }
        return (peers, null);
    }

    private static (int, string?) Links(string text)
    {
        int count = 0;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = line.IndexOf("://", StringComparison.Ordinal);
            string scheme = colon > 0 ? line[..colon] : "";
            if (Array.IndexOf(LinkSchemes, scheme) < 0) return (0, $"a link with scheme '{scheme}'");
            if (scheme == "vmess")
            {
                // v2rayN's form: base64 of a JSON object, not an authority a URI parser reads.
                using JsonDocument vmess = JsonDocument.Parse(Convert.FromBase64String(line[(colon + 3)..]));
                if (!vmess.RootElement.TryGetProperty("add", out _) || !vmess.RootElement.TryGetProperty("port", out _)) return (0, "a vmess link without add or port");
            }
            else if (new Uri(line, UriKind.Absolute).Host.Length == 0)
            {
                return (0, $"a {scheme} link without a host");
            }
            count++;
        }
        return (count, null);
    }
}
