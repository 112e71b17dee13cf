namespace Vpn.Perf.Shared.Redis;

/// <summary>UTF-8 tokens for the command names and keywords the services send.</summary>
public static class RespCommands
{
    public static ReadOnlySpan<byte> Auth => "AUTH"u8;
    public static ReadOnlySpan<byte> Select => "SELECT"u8;
    public static ReadOnlySpan<byte> Ping => "PING"u8;
    public static ReadOnlySpan<byte> Get => "GET"u8;
    public static ReadOnlySpan<byte> Set => "SET"u8;
    public static ReadOnlySpan<byte> Del => "DEL"u8;
    public static ReadOnlySpan<byte> Exists => "EXISTS"u8;
    public static ReadOnlySpan<byte> Incr => "INCR"u8;
    public static ReadOnlySpan<byte> IncrBy => "INCRBY"u8;
    public static ReadOnlySpan<byte> PExpire => "PEXPIRE"u8;
    public static ReadOnlySpan<byte> HGet => "HGET"u8;
    public static ReadOnlySpan<byte> HSet => "HSET"u8;
    public static ReadOnlySpan<byte> HGetAll => "HGETALL"u8;
    public static ReadOnlySpan<byte> HDel => "HDEL"u8;
    public static ReadOnlySpan<byte> HIncrBy => "HINCRBY"u8;
    public static ReadOnlySpan<byte> XAdd => "XADD"u8;
    public static ReadOnlySpan<byte> XRead => "XREAD"u8;
    public static ReadOnlySpan<byte> XRange => "XRANGE"u8;
    public static ReadOnlySpan<byte> Eval => "EVAL"u8;
    public static ReadOnlySpan<byte> EvalSha => "EVALSHA"u8;
    public static ReadOnlySpan<byte> Script => "SCRIPT"u8;
    public static ReadOnlySpan<byte> Load => "LOAD"u8;
}
