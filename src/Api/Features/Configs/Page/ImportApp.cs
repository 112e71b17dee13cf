namespace Vpn.Perf.Api.Features.Configs.Page;

/// <summary>
/// One app family's import button: the app opens its own URL scheme and fetches the config itself. Each builder gets
/// the config URL (with the format suffix the app needs, or none where the User-Agent rules choose) and the title.
/// The schemes and where each was checked: docs/config-rendering.md, "Subscription page".
/// </summary>
/// <param name="Name">What the button says (the apps' own names, not translated).</param>
/// <param name="Format">The format suffix of the URL the app gets; null: the bare URL, chosen by the app's User-Agent.</param>
/// <param name="Link">Deep link from (config URL, title).</param>
internal sealed record ImportApp(string Name, ConfigFormat? Format, Func<string, string, string> Link)
{
    /// <summary>In the order the page shows them.</summary>
    public static IReadOnlyList<ImportApp> All { get; } =
    [
        // sing-box's graphical clients (SFA, SFI, SFM): sing-box.sagernet.org/clients/general.
        new("sing-box", ConfigFormat.SingBox, static (url, title) => "sing-box://import-remote-profile?url=" + Uri.EscapeDataString(url) + "#" + Uri.EscapeDataString(title)),
        // Clash for Windows' scheme, which Clash Verge Rev, FlClash and the other mihomo apps kept.
        new("Clash / mihomo", ConfigFormat.Mihomo, static (url, _) => "clash://install-config?url=" + Uri.EscapeDataString(url)),
        // Hiddify's URL-scheme page: the URL follows as it is, the name in the fragment.
        new("Hiddify", null, static (url, title) => "hiddify://import/" + url + "#" + Uri.EscapeDataString(title)),
        new("v2rayNG", null, static (url, _) => "v2rayng://install-config?url=" + Uri.EscapeDataString(url)),
        new("Happ", null, static (url, _) => "happ://add/" + url),
        new("Streisand", null, static (url, title) => "streisand://import/" + url + "#" + Uri.EscapeDataString(title)),
    ];
}
