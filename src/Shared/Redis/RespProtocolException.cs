namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// The byte stream from the server is not valid RESP2 (or breaks a <see cref="RespLimits"/> bound). The reply reader
/// throws it; the connection then fails itself and every pending command with a <see cref="RedisConnectionException"/>
/// whose inner exception is this one.
/// </summary>
public sealed class RespProtocolException : RedisException
{
    public RespProtocolException()
    {
    }

    public RespProtocolException(string message) : base(message)
    {
    }

    public RespProtocolException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public RespProtocolException(RespProtocolError reason, string message) : base(message) => Reason = reason;

    public RespProtocolError Reason { get; }
}
