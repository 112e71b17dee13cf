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

    /// <summary>"Not found" answers kept, so unknown ids are served like known ones; bounded separately so a scan of random ids cannot push real configs out.</summary>
    public int NotFoundCacheCapacity { get; set; } = 100_000;

    /// <summary>How long the LISTEN connection may stay silent before it is probed (a dead peer does not always reset the socket).</summary>
    public TimeSpan ListenProbeInterval { get; set; } = TimeSpan.FromSeconds(30);
}
