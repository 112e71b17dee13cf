using StackExchange.Redis;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// The per-key limits, counted in Redis so they hold across every Api instance: a fixed one-minute window of
/// <see cref="ApiKeyOptions.PermitsPerMinute"/> requests and the key's daily quota, whose window opens at the key's
/// first request and resets 24 h after that start. One script call per request checks and counts both; a refused
/// request counts toward neither. Time comes from <see cref="TimeProvider"/> (passed to the script, never Redis'
/// clock), so tests move it by hand. These are separate from the per-IP limits of sign-in and registration.
/// </summary>
internal sealed class ApiKeyLimiter(IDatabase redis, ApiKeyOptions options, TimeProvider time)
{
    public static readonly TimeSpan Day = TimeSpan.FromHours(24);
    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    // KEYS[1] hash: ds/dn day window start (unix ms) and count, ms/mn minute window start and count.
    // ARGV: now, day length, daily quota, minute length, per-minute permits. Returns {decision, ms until the window resets}.
    private const string Script = """
        local now = tonumber(ARGV[1])
        local day, quota, minute, permits = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
        local v = redis.call('HMGET', KEYS[1], 'ds', 'dn', 'ms', 'mn')
        local ds, dn, ms, mn = tonumber(v[1]), tonumber(v[2]) or 0, tonumber(v[3]), tonumber(v[4]) or 0
        if ds == nil or now >= ds + day then ds = now; dn = 0 end
        if ms == nil or now >= ms + minute then ms = now; mn = 0 end
        if dn >= quota then return {2, ds + day - now} end
        if mn >= permits then return {1, ms + minute - now} end
        redis.call('HSET', KEYS[1], 'ds', ds, 'dn', dn + 1, 'ms', ms, 'mn', mn + 1)
        redis.call('PEXPIRE', KEYS[1], day)
        return {0, 0}
        """;

    /// <summary>Counts one request of the key; when refused, also how long until the window that refused it reopens.</summary>
    public async Task<(ApiKeyLimit Decision, TimeSpan RetryAfter)> AcquireAsync(ApiKeyEntry key)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        RedisResult result = await redis.ScriptEvaluateAsync(Script, [Key(key.Id)],
            [now, (long)Day.TotalMilliseconds, key.DailyQuota, (long)Minute.TotalMilliseconds, options.PermitsPerMinute]);
        var reply = (RedisResult[])result!;
        return ((ApiKeyLimit)(int)reply[0], TimeSpan.FromMilliseconds((long)reply[1]));
    }

    private static RedisKey Key(Guid keyId) => "api-key:" + keyId.ToString();
}
