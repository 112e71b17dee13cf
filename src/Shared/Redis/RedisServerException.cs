namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// The server answered one command with an error reply (<c>-ERR ...</c>, <c>-WRONGTYPE ...</c>, <c>-NOSCRIPT ...</c>).
/// Only that command failed; the connection and the commands pipelined around it are unaffected.
/// </summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException()
    {
    }

    /// <param name="message">The server's error line without the leading '-', e.g. "ERR unknown command".</param>
    public RedisServerException(string message) : base(message)
    {
    }

    public RedisServerException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The error code: the first word of the message by Redis convention ("ERR", "WRONGTYPE", "NOSCRIPT").</summary>
    public string ErrorCode
    {
        get
        {
            int space = Message.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? Message : Message[..space];
        }
    }

    /// <summary>True when EVALSHA named a script the server does not have cached.</summary>
    public bool IsNoScript => Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
}
