using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Vpn.Perf.Api.Features.Configs.Page;

/// <summary>
/// The HTML page a person's browser gets at a config URL (<see cref="BrowserRequest"/>): usage against the limit as a
/// bar, the next reset, expiry, devices, the QR code as a <c>data:</c> image, one import button per app family
/// (<see cref="ImportApp"/>) and the links per format in read-only fields to copy. No script and no external asset, so
/// the policy (<see cref="ContentSecurityPolicy"/>) allows nothing but this page's one stylesheet (by hash) and
/// <c>data:</c> images. Every value from the subscription goes through <see cref="HtmlEncoder"/>.
/// </summary>
internal static class SubscriptionPage
{
    private const string Css = """
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
        main{max-width:34rem;margin:0 auto;padding:1rem}
        section{background:#fff;border-radius:.75rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
        h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
        h2{font-size:1.1rem;margin:0 0 .5rem}
        .notes{white-space:pre-line;overflow-wrap:anywhere}
        meter{width:100%;height:1.25rem}
        .warn{color:#b42318;font-weight:600}
        dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:.5rem 0 0}
        dt{color:#5b6475}
        dd{margin:0}
        .qr{display:block;margin:0 auto;width:min(100%,18rem);height:auto;image-rendering:pixelated}
        .apps{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;margin:0;padding:0}
        .apps a{display:inline-block;padding:.5rem .9rem;border-radius:.5rem;background:#2456d3;color:#fff;text-decoration:none;font-weight:600}
        label{display:block;margin:.5rem 0 0;font-weight:600}
        input{box-sizing:border-box;width:100%;padding:.4rem;font:13px ui-monospace,monospace;border:1px solid #c9ced8;border-radius:.35rem}
        .hint{color:#5b6475;font-size:.9rem;margin:0}
        """;

    /// <summary>Non-ASCII text (Cyrillic titles) stays readable; markup characters are always encoded.</summary>
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>The page's policy: its stylesheet by SHA-256, <c>data:</c> images, nothing else (no script at all).</summary>
    public static string ContentSecurityPolicy { get; } = "default-src 'none'; style-src 'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css)))
        + "'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static string Render(SubscriptionPageModel m, PageStrings s)
    {
        var html = new StringBuilder(8192);
        html.Append("<!DOCTYPE html>\n<html lang=\"").Append(s.Language).Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">")
            .Append("<meta name=\"robots\" content=\"noindex\"><title>");
        Text(html, m.Title).Append("</title><style>").Append(Css).Append("</style></head><body><main>\n<h1 id=\"title\">");
        Text(html, m.Title).Append("</h1>\n");
        if (m.Description.Length > 0) Text(html.Append("<p class=\"notes\" id=\"notes\">"), m.Description).Append("</p>\n");

        html.Append("<section id=\"usage-section\"><h2>").Append(Encode(s.Usage)).Append("</h2>");
        if (m.LimitBytes is { } limit && m.UsedBytes is { } usedOfLimit)
        {
            html.Append("<meter id=\"usage\" min=\"0\" max=\"").Append(Number(limit)).Append("\" value=\"").Append(Number(usedOfLimit))
                .Append("\" high=\"").Append(Number(limit / 10 * 9)).Append("\"></meter>");
        }
        html.Append("<p id=\"usage-text\">").Append(m.UsedBytes is { } used ? Bytes(used, s) : "–").Append(" / ")
            .Append(m.LimitBytes is { } max ? Bytes(max, s) : Encode(s.Unlimited)).Append("</p>");
        if (m.OverLimit) html.Append("<p class=\"warn\">").Append(Encode(s.OverLimit)).Append("</p>");
        html.Append("<dl>");
        if (m.NextResetMs is { } reset) Row(html, "reset", s.Resets, Date(reset));
        Row(html, "expires", s.Expires, m.ExpiresAtMs is { } expires ? Date(expires) : s.Never);
        if (m.DeviceLimit is { } devices) Row(html, "devices", s.Devices, Number(m.DeviceCount) + " / " + Number(devices));
        html.Append("</dl></section>\n");

        html.Append("<section><h2>").Append(Encode(s.ScanTitle)).Append("</h2><img class=\"qr\" id=\"qr\" alt=\"").Append(Encode(s.QrAlt))
            .Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(m.QrPng)).Append("\"></section>\n");

        html.Append("<section><h2>").Append(Encode(s.ImportTitle)).Append("</h2><ul class=\"apps\">");
        foreach (ImportApp app in ImportApp.All)
        {
            string url = app.Format is { } format ? FormatUrl(m.ConfigUrl, format) : m.ConfigUrl;
            html.Append("<li><a href=\"").Append(Encode(app.Link(url, m.Title))).Append("\">").Append(Encode(app.Name)).Append("</a></li>");
        }
        html.Append("</ul></section>\n");

        html.Append("<section id=\"links\"><h2>").Append(Encode(s.LinksTitle)).Append("</h2><p class=\"hint\">").Append(Encode(s.LinksHint)).Append("</p>");
        Link(html, "link-auto", s.AnyApp, m.ConfigUrl);
        for (int i = 0; i < ConfigFormats.Names.Length; i++)
        {
            Link(html, "link-" + ConfigFormats.Names[i], ConfigFormats.Names[i], FormatUrl(m.ConfigUrl, (ConfigFormat)i));
        }
        html.Append("</section>\n</main></body></html>\n");
        return html.ToString();
    }

    private static string FormatUrl(string configUrl, ConfigFormat format) => configUrl + "/" + ConfigFormats.Names[(int)format];

    private static void Row(StringBuilder html, string id, string term, string value)
        => html.Append("<dt>").Append(Encode(term)).Append("</dt><dd id=\"").Append(id).Append("\">").Append(Encode(value)).Append("</dd>");

    private static void Link(StringBuilder html, string id, string label, string url)
        => html.Append("<label for=\"").Append(id).Append("\">").Append(Encode(label)).Append("</label><input id=\"").Append(id)
            .Append("\" type=\"text\" readonly value=\"").Append(Encode(url)).Append("\">");

    private static StringBuilder Text(StringBuilder html, string text) => html.Append(Encode(text));

    private static string Encode(string text) => Encoder.Encode(text);

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Date(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Binary units, up to two decimals: 1536 → 1.5 KiB.</summary>
    private static string Bytes(long bytes, PageStrings s)
    {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < s.ByteUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return Encode(value.ToString(unit == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + s.ByteUnits[unit]);
    }
}
