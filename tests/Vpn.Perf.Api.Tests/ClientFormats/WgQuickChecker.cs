using System.Text.Json;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>
/// Reads a wg-quick configuration with Python, as wg-quick and the apps read it (INI-like, <c>[Peer]</c> may repeat, so
/// not configparser), checks section and key names against wg-quick(8) and wg(8), every key as base64 of 32 bytes,
/// addresses and routes with <c>ipaddress</c>, and derives the interface's public key from its private key with
/// Debian's python3-cryptography (OpenSSL's X25519): an implementation nobody here wrote.
/// </summary>
internal static class WgQuickChecker
{
    private const string Script = """
        import sys, json, base64, ipaddress
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        from cryptography.hazmat.primitives import serialization
        sections, comments, errors = [], [], []
        for line in sys.argv[1].splitlines():
            line = line.strip()
            if not line: continue
            if line.startswith('#'): comments.append(line[1:].strip()); continue
            if line.startswith('[') and line.endswith(']'): sections.append([line[1:-1], {}]); continue
            k, sep, v = line.partition('=')
            if not sep or not sections: errors.append('stray line ' + line); continue
            k = k.strip()
            if k in sections[-1][1]: errors.append('duplicate key ' + k)
            sections[-1][1][k] = v.strip()
        allowed = {'Interface': {'PrivateKey', 'Address', 'DNS', 'MTU', 'ListenPort', 'Table', 'FwMark', 'PreUp', 'PostUp', 'PreDown', 'PostDown', 'SaveConfig'},
                   'Peer': {'PublicKey', 'PresharedKey', 'AllowedIPs', 'Endpoint', 'PersistentKeepalive'}}
        names = [n for n, _ in sections]
        if names.count('Interface') != 1 or names[0] != 'Interface': errors.append('not exactly one [Interface], first')
        if 'Peer' not in names: errors.append('no [Peer]')
        for name, kv in sections:
            for k in kv:
                if k not in allowed.get(name, ()): errors.append('%s takes no %s' % (name, k))
        def key(v):
            b = base64.b64decode(v, validate=True)
            if len(b) != 32: errors.append('a key is not 32 bytes')
            return b
        iface = sections[0][1]
        private = X25519PrivateKey.from_private_bytes(key(iface['PrivateKey']))
        public = base64.b64encode(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
        for a in iface['Address'].split(','): ipaddress.ip_interface(a.strip())
        for d in iface.get('DNS', '').split(','):
            if d.strip(): ipaddress.ip_address(d.strip())
        if 'MTU' in iface and not 576 <= int(iface['MTU']) <= 65535: errors.append('MTU')
        for name, kv in sections[1:]:
            key(kv['PublicKey'])
            if 'PresharedKey' in kv: key(kv['PresharedKey'])
            for a in kv['AllowedIPs'].split(','): ipaddress.ip_network(a.strip())
            host, _, port = kv['Endpoint'].rpartition(':')
            if not 0 < int(port) < 65536: errors.append('port')
            if host.startswith('['): ipaddress.IPv6Address(host[1:-1])
            elif ':' in host: errors.append('IPv6 endpoint without brackets')
        print(json.dumps({'errors': errors, 'comments': comments, 'sections': sections, 'publicKey': public}))
        """;

    /// <summary>The parsed file; asserts it has no errors.</summary>
    public static async Task<Parsed> CheckAsync(string conf)
    {
        using JsonDocument result = JsonDocument.Parse(await Python.RunAsync(Script, conf));
        JsonElement root = result.RootElement;
        Assert.Empty(root.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        var sections = root.GetProperty("sections").EnumerateArray()
            .Select(s => (s[0].GetString()!, s[1].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)))
            .ToList();
        return new Parsed([.. root.GetProperty("comments").EnumerateArray().Select(c => c.GetString()!)], sections,
            root.GetProperty("publicKey").GetString()!);
    }

    /// <param name="Comments">The <c>#</c> lines, without the mark.</param>
    /// <param name="Sections">Each section's name and keys, in file order.</param>
    /// <param name="DerivedPublicKey">The interface's public key as Python derives it from its private key.</param>
    internal sealed record Parsed(List<string> Comments, List<(string Name, Dictionary<string, string> Keys)> Sections, string DerivedPublicKey)
    {
        public Dictionary<string, string> Interface => Sections[0].Keys;

        public Dictionary<string, string> Peer => Sections.Single(s => s.Name == "Peer").Keys;
    }
}
