namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// The URLs of one subscription's config beside its <c>configUrl</c>: one per format (the path suffix, which wins over the
/// User-Agent) and its QR code as PNG and SVG.
/// </summary>
/// <param name="Formats">Format name (<see cref="ConfigFormats.Names"/>) → <c>&lt;configUrl&gt;/&lt;name&gt;</c>.</param>
/// <param name="Qr">The QR code of <c>configUrl</c>, PNG.</param>
/// <param name="QrSvg">The same code, SVG.</param>
internal sealed record ConfigUrls(IReadOnlyDictionary<string, string> Formats, string Qr, string QrSvg)
{
    public static ConfigUrls Of(string configUrl)
    {
        var formats = new Dictionary<string, string>(ConfigFormats.Names.Length, StringComparer.Ordinal);
        foreach (string name in ConfigFormats.Names) formats[name] = configUrl + "/" + name;
        return new ConfigUrls(formats, configUrl + "/qr", configUrl + "/qr?type=svg");
    }
}
