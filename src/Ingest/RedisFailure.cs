using StackExchange.Redis;

namespace Vpn.Perf.Ingest;

/// <summary>What counts as Redis failing (down, stuck or answering an error) rather than a bug: the node gets 503 and retries.</summary>
internal static class RedisFailure
{
    /// <summary>
    /// True for what StackExchange.Redis throws when Redis fails: <see cref="RedisConnectionException"/> (no connection;
    /// thrown at once, the backlog policy being fail-fast), <see cref="RedisServerException"/> (an error reply) and
    /// other <see cref="RedisException"/>s, and <see cref="RedisTimeoutException"/> (no reply in time), which is a
    /// <see cref="TimeoutException"/> and not a RedisException.
    /// </summary>
    public static bool Is(Exception ex) => ex is RedisException or TimeoutException;
}
