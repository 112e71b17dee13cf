namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>API-key settings (section <c>ApiKeys</c>).</summary>
internal sealed class ApiKeyOptions
{
    public const string Section = "ApiKeys";

    /// <summary>Requests per minute one key may make, across every Api instance (429 <c>too-many-requests</c> beyond).</summary>
    public int PermitsPerMinute { get; set; } = 600;

    /// <summary>A key's daily quota when its creator gives none.</summary>
    public int DefaultDailyQuota { get; set; } = 10_000;

    /// <summary>The largest daily quota a key may be given.</summary>
    public int MaxDailyQuota { get; set; } = 1_000_000;

    /// <summary>Active (unrevoked) keys one user may hold.</summary>
    public int MaxKeysPerUser { get; set; } = 25;

    /// <summary>Networks one key's allowlist may name.</summary>
    public int MaxAllowedNetworks { get; set; } = 32;

    /// <summary>
    /// Longest time a key is trusted from memory without a fresh read: the backstop should a NOTIFY be lost (normally
    /// a revocation reaches every instance within milliseconds).
    /// </summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the api_key_changed LISTEN connection may stay silent before it is probed.</summary>
    public TimeSpan ListenProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the last use of keys is written: one statement for every key used since the previous write.</summary>
    public TimeSpan LastUseFlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    public static ApiKeyOptions FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ApiKeyOptions>() ?? new ApiKeyOptions();
        AtLeastOne(options.PermitsPerMinute, nameof(PermitsPerMinute));
        AtLeastOne(options.DefaultDailyQuota, nameof(DefaultDailyQuota));
        AtLeastOne(options.MaxDailyQuota, nameof(MaxDailyQuota));
        AtLeastOne(options.MaxKeysPerUser, nameof(MaxKeysPerUser));
        AtLeastOne(options.MaxAllowedNetworks, nameof(MaxAllowedNetworks));
        if (options.DefaultDailyQuota > options.MaxDailyQuota)
        {
            throw new InvalidOperationException($"ApiKeys:DefaultDailyQuota ({options.DefaultDailyQuota}) is above ApiKeys:MaxDailyQuota ({options.MaxDailyQuota}).");
        }
        Positive(options.CacheMaxAge, nameof(CacheMaxAge));
        Positive(options.ListenProbeInterval, nameof(ListenProbeInterval));
        Positive(options.LastUseFlushInterval, nameof(LastUseFlushInterval));
        return options;
    }

    private static void AtLeastOne(int value, string name)
    {
        if (value < 1) throw new InvalidOperationException($"ApiKeys:{name} is {value}; it must be at least 1.");
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new InvalidOperationException($"ApiKeys:{name} is {value}; it must be positive.");
    }
}
