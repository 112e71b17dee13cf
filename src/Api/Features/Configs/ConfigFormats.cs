using Vpn.Perf.Api.Mihomo;
using Vpn.Perf.Api.ShareLinks;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.WgQuick;
using Vpn.Perf.Api.Xray;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>Each <see cref="ConfigFormat"/>'s name in URLs, media type, file extension and renderer.</summary>
internal static class ConfigFormats
{
    public const int Count = 6;

    /// <summary>The names <c>?format=</c> and the path suffix take, in <see cref="ConfigFormat"/> order.</summary>
    public static readonly string[] Names = ["singbox", "mihomo", "xray", "links", "links-plain", "wireguard"];

    /// <summary>What a format's stub is named when none of the subscription's inbounds can be written in it.</summary>
    public const string NoServerReason = "No server supports this app";

    /// <summary>What every format's stub is named over the traffic limit.</summary>
    public const string OverLimitReason = "Traffic limit reached";

    public static bool TryParse(ReadOnlySpan<char> name, out ConfigFormat format)
    {
        for (int i = 0; i < Names.Length; i++)
        {
            if (name.Equals(Names[i], StringComparison.OrdinalIgnoreCase))
            {
                format = (ConfigFormat)i;
                return true;
            }
        }
        format = default;
        return false;
    }

    public static string MediaType(ConfigFormat format) => format switch
    {
        ConfigFormat.SingBox or ConfigFormat.Xray => "application/json; charset=utf-8",
        ConfigFormat.Mihomo => "text/yaml; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };

    public static string FileExtension(ConfigFormat format) => format switch
    {
        ConfigFormat.SingBox or ConfigFormat.Xray => ".json",
        ConfigFormat.Mihomo => ".yaml",
        ConfigFormat.WireGuard => ".conf",
        _ => ".txt",
    };

    public static byte[] Render(ConfigFormat format, ClientConfig config) => format switch
    {
        ConfigFormat.SingBox => ConfigRenderer.Render(config),
        ConfigFormat.Mihomo => MihomoRenderer.Render(config, NoServerReason),
        ConfigFormat.Xray => XrayRenderer.Render(config, NoServerReason),
        ConfigFormat.Links => HasLink(config) ? ShareLinkRenderer.RenderBase64(config) : ShareLinkRenderer.RenderStub(NoServerReason, base64: true),
        ConfigFormat.WireGuard => WgQuickRenderer.Render(config, NoServerReason),
        _ => HasLink(config) ? ShareLinkRenderer.RenderPlain(config) : ShareLinkRenderer.RenderStub(NoServerReason, base64: false),
    };

    /// <summary>A config that connects nowhere, named for <paramref name="reason"/> where the format has a place for a name.</summary>
    public static byte[] RenderStub(ConfigFormat format, string reason) => format switch
    {
        ConfigFormat.SingBox => ConfigRenderer.RenderStub(),
        ConfigFormat.Mihomo => MihomoRenderer.RenderStub(reason),
        ConfigFormat.Xray => XrayRenderer.RenderStub(reason),
        ConfigFormat.Links => ShareLinkRenderer.RenderStub(reason, base64: true),
        ConfigFormat.WireGuard => WgQuickRenderer.RenderStub(reason),
        _ => ShareLinkRenderer.RenderStub(reason, base64: false),
    };

    private static bool HasLink(ClientConfig config)
    {
        foreach (ProxyOutbound proxy in config.Proxies)
        {
            if (ShareLinkRenderer.CanExpress(proxy.Inbound)) return true;
        }
        return false;
    }
}
