namespace Vpn.Perf.Shared.Redis;

/// <summary>Base of every failure the Redis client reports; catch this to handle any of them.</summary>
public class RedisException : Exception
{
    public RedisException()
    {
    }

    public RedisException(string message) : base(message)
    {
    }

    public RedisException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
