using System.Threading.RateLimiting;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// Fixed one-minute windows per client IP and per account for login and register. The per-account key comes from the
/// body, which the rate-limiting middleware never sees, so handlers ask here; both kinds live here so the
/// 429 answer is built in one place. Idle partitions are dropped by <see cref="PartitionedRateLimiter"/> itself.
/// </summary>
internal sealed class AuthRateLimiter : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string>[] _limiters;

    public AuthRateLimiter(AuthOptions options)
    {
        _limiters =
        [
            Create(options.LoginPermitsPerMinute),
            Create(options.LoginAccountPermitsPerMinute),
            Create(options.RegisterPermitsPerMinute),
            Create(options.RegisterAccountPermitsPerMinute),
        ];
    }

    /// <summary>Takes one permit; null when granted, otherwise how long until the window opens again.</summary>
    public TimeSpan? TryAcquire(AuthLimit limit, string key)
    {
        using RateLimitLease lease = _limiters[(int)limit].AttemptAcquire(key);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : Window;
    }

    /// <summary>The IP partition key; behind a reverse proxy this needs the forwarded-headers middleware to be the client's.</summary>
    public static string ClientKey(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose()
    {
        foreach (PartitionedRateLimiter<string> limiter in _limiters) limiter.Dispose();
    }

    private static PartitionedRateLimiter<string> Create(int permits)
        => PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = Window,
            QueueLimit = 0,
            // The partitioned limiter's own heartbeat replenishes; a timer per partition would cost one per client.
            AutoReplenishment = false,
        }), StringComparer.Ordinal);
}
