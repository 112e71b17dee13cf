using System.Threading.RateLimiting;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// Fixed windows per client IP and per account for the auth endpoints (one minute, or one hour for the limits that
/// bound mail sent to one address). The per-account key comes from the body or the token, which the rate-limiting
/// middleware never sees, so handlers ask here; every kind lives here so the 429 answer is built in one place. Idle
/// partitions are dropped by <see cref="PartitionedRateLimiter"/> itself.
/// </summary>
internal sealed class AuthRateLimiter : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // Indexed by AuthLimit.
    private readonly (PartitionedRateLimiter<string> Limiter, TimeSpan Window)[] _limiters;

    public AuthRateLimiter(AuthOptions options)
    {
        _limiters =
        [
            Create(options.LoginPermitsPerMinute, Minute),
            Create(options.LoginAccountPermitsPerMinute, Minute),
            Create(options.RegisterPermitsPerMinute, Minute),
            Create(options.RegisterAccountPermitsPerMinute, Minute),
            Create(options.PasswordResetPermitsPerMinute, Minute),
            Create(options.PasswordResetAccountPermitsPerHour, Hour),
            Create(options.VerificationMailPermitsPerHour, Hour),
            Create(options.AccountTokenPermitsPerMinute, Minute),
        ];
    }

    /// <summary>Takes one permit; null when granted, otherwise how long until the window opens again.</summary>
    public TimeSpan? TryAcquire(AuthLimit limit, string key)
    {
        (PartitionedRateLimiter<string> limiter, TimeSpan window) = _limiters[(int)limit];
        using RateLimitLease lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : window;
    }

    /// <summary>The IP partition key; behind a reverse proxy this needs the forwarded-headers middleware to be the client's.</summary>
    public static string ClientKey(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose()
    {
        foreach ((PartitionedRateLimiter<string> limiter, _) in _limiters) limiter.Dispose();
    }

    private static (PartitionedRateLimiter<string>, TimeSpan) Create(int permits, TimeSpan window)
        => (PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            // The partitioned limiter's own heartbeat replenishes; a timer per partition would cost one per client.
            AutoReplenishment = false,
        }), StringComparer.Ordinal), window);
}
