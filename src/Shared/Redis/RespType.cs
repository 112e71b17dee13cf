namespace Vpn.Perf.Shared.Redis;

/// <summary>RESP2 reply kinds; each value is the type's prefix byte on the wire.</summary>
public enum RespType : byte
{
    /// <summary>No reply (a default <see cref="RespValue"/>).</summary>
    None = 0,

    /// <summary><c>+OK\r\n</c></summary>
    SimpleString = (byte)'+',

    /// <summary><c>-ERR message\r\n</c></summary>
    Error = (byte)'-',

    /// <summary><c>:42\r\n</c></summary>
#pragma warning disable CA1720 // "Integer" is the RESP specification's name for this reply type.
    Integer = (byte)':',
#pragma warning restore CA1720

    /// <summary><c>$3\r\nabc\r\n</c>, or <c>$-1\r\n</c> for null.</summary>
    BulkString = (byte)'$',

    /// <summary><c>*2\r\n...</c>, or <c>*-1\r\n</c> for null.</summary>
    Array = (byte)'*',
}
