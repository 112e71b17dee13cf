using System.Text;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>Settings of the config endpoint, section <c>Configs</c>.</summary>
internal sealed class ConfigOptions
{
    public const string Section = "Configs";

    /// <summary>Hours between client refreshes, sent as <c>profile-update-interval</c>.</summary>
    public int ProfileUpdateIntervalHours { get; set; } = 12;

    /// <summary><c>profile-title</c> for a subscription without a title.</summary>
    public string DefaultProfileTitle { get; set; } = "Vpn.Perf";

    /// <summary>
    /// Rendered configs kept per Api instance (a few KB each). Beyond it a tenth of the entries are dropped at
    /// random: a bound, not an LRU, since a miss costs one indexed query.
    /// </summary>
    public int CacheCapacity { get; set; } = 50_000;

    /// <summary>
    /// The absolute URL the config links in subscription resources start with (<c>https://vpn.example.com</c>, or with a
    /// path prefix; <c>/s/{token}</c> is appended). Unset, each response uses its own request's scheme and host, which
    /// is right only when the Api is reached directly: behind a proxy, set it. The anonymous answers that show the URL
    /// (the QR code, the subscription page for browsers) use only this, never a Host header: unset, there is no QR code
    /// and browsers get the config.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The operator's page for customers (absolute URL), sent as <c>profile-web-page-url</c>; unset, not sent.</summary>
    public string? ProfileWebPageUrl { get; set; }

    /// <summary>Where customers get help (an absolute URL, e.g. a Telegram link), sent as <c>support-url</c>; unset, not sent.</summary>
    public string? SupportUrl { get; set; }

    /// <summary>How long the LISTEN connection may stay silent before it is probed (a dead peer does not always reset the socket).</summary>
    public TimeSpan ListenProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Unset, or an absolute http(s) URL with nothing after the path (the token and suffixes are appended).</summary>
    public static bool IsBaseUrl(string? value)
        => string.IsNullOrEmpty(value) || (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0);

    /// <summary>Unset, or an absolute http(s) URL of printable ASCII (a header value cannot carry more).</summary>
    public static bool IsHeaderUrl(string? value)
        => value is null || (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" && Ascii.IsValid(value) && !value.Any(char.IsControl));
}
