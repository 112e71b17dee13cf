namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// <see cref="RedisOptions.MaxPendingCommands"/> commands are already queued or awaiting replies; this one was refused
/// without being sent. Services map this to 429/503 with Retry-After rather than queueing without bound.
/// </summary>
public sealed class RedisBusyException : RedisException
{
    public RedisBusyException()
    {
    }

    public RedisBusyException(string message) : base(message)
    {
    }

    public RedisBusyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
