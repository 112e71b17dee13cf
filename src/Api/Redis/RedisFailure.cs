using StackExchange.Redis;

namespace Vpn.Perf.Api.Redis;

/// <summary>What StackExchange.Redis throws when Redis cannot do a command, for the places that answer 503 or retry.</summary>
internal static class RedisFailure
{
    /// <summary>
    /// True for no connection (<see cref="RedisConnectionException"/>, at once: the backlog policy is fail-fast), an
    /// error reply (<see cref="RedisServerException"/>), any other <see cref="RedisException"/>, and a command that
    /// outlived <c>asyncTimeout</c> (<see cref="RedisTimeoutException"/>, which is a <see cref="TimeoutException"/>,
    /// not a <see cref="RedisException"/>).
    /// </summary>
    public static bool Is(Exception exception) => exception is RedisException or RedisTimeoutException;
}
