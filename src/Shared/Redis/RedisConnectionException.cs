namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// The command could not be sent or its reply could not be received: not connected (reconnecting), the socket was
/// lost, the server broke the protocol, or it did not answer within the command timeout. The command may or may not
/// have run on the server. Services map this to 503 with Retry-After.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException()
    {
    }

    public RedisConnectionException(string message) : base(message)
    {
    }

    public RedisConnectionException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
