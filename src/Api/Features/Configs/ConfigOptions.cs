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
    /// is right only when the Api is reached directly: behind a proxy, set it.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long the LISTEN connection may stay silent before it is probed (a dead peer does not always reset the socket).</summary>
    public TimeSpan ListenProbeInterval { get; set; } = TimeSpan.FromSeconds(30);
}
