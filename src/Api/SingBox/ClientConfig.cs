using System.Collections.Immutable;
using System.Globalization;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// The typed model of one subscription's client config: a base template plus one <see cref="ProxyOutbound"/> per
/// usable inbound, with unique tags. <see cref="ConfigRenderer"/> writes it; no proxies means the stub.
/// </summary>
internal sealed class ClientConfig
{
    private ClientConfig(ConfigTemplate template, ImmutableArray<ProxyOutbound> proxies)
    {
        Template = template;
        Proxies = proxies;
    }

    public ConfigTemplate Template { get; }

    public ImmutableArray<ProxyOutbound> Proxies { get; }

    /// <summary>
    /// Resolves credentials and tags. A tag is <c>node-inbound</c>, stable across renders so a client's remembered
    /// selection survives; a clash with the renderer's tags, the template's or an earlier outbound gets <c>-2</c>,
    /// <c>-3</c> .... An inbound the subscription cannot authenticate on (a UUID protocol and a secret that is no UUID, a
    /// WireGuard inbound without its peer) is passed to <paramref name="skipped"/> and left out.
    /// </summary>
    public static ClientConfig Build(ConfigTemplate template, IEnumerable<ConfigInbound> inbounds, string secret, Action<ConfigInbound>? skipped = null)
    {
        var used = new HashSet<string>(template.OutboundTags, StringComparer.Ordinal);
        used.UnionWith(ConfigTemplateValidator.ReservedOutboundTags);
        var proxies = ImmutableArray.CreateBuilder<ProxyOutbound>();
        foreach (ConfigInbound inbound in inbounds)
        {
            string baseTag = inbound.NodeName + "-" + inbound.Tag;
            string tag = baseTag;
            for (int n = 2; !used.Add(tag); n++) tag = baseTag + "-" + n.ToString(CultureInfo.InvariantCulture);
            if (ProxyOutbound.TryCreate(tag, inbound.Spec, secret, inbound.Peer, out ProxyOutbound? proxy))
            {
                proxies.Add(proxy);
            }
            else
            {
                used.Remove(tag);
                skipped?.Invoke(inbound);
            }
        }
        return new ClientConfig(template, proxies.ToImmutable());
    }
}
