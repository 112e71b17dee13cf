using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// One RESP2 reply. A small struct over one reference: a <see cref="string"/> for simple strings and errors, a
/// <c>byte[]</c> for bulk strings, a <see cref="RespValue"/> array for arrays (null for the null bulk and null array),
/// plus the integer. A reply allocates its bulk bodies and arrays; that is per command, never per argument.
/// </summary>
public readonly struct RespValue
{
    private readonly object? _ref;
    private readonly long _integer;

    private RespValue(RespType type, object? reference, long integer)
    {
        Type = type;
        _ref = reference;
        _integer = integer;
    }

    public RespType Type { get; }

    /// <summary>The null bulk string (<c>$-1</c>) or null array (<c>*-1</c>): GET of a missing key, a Lua nil.</summary>
    public bool IsNull => _ref is null && Type is RespType.BulkString or RespType.Array;

    public bool IsError => Type == RespType.Error;

    /// <summary>The server's error line (without '-'), or null when this is not an error.</summary>
    public string? ErrorMessage => Type == RespType.Error ? (string?)_ref : null;

    /// <summary>Element count of an array, byte length of a bulk string; -1 for null; 0 otherwise.</summary>
    public int Length => _ref switch
    {
        RespValue[] a => a.Length,
        byte[] b => b.Length,
        null when IsNull => -1,
        _ => 0,
    };

    /// <summary>The element at <paramref name="index"/> of an array reply.</summary>
    public RespValue this[int index] => AsArray() is { } a ? a[index] : throw new InvalidOperationException("Redis reply is a null array.");

    public static RespValue SimpleString(string value) => new(RespType.SimpleString, value, 0);

    public static RespValue Error(string message) => new(RespType.Error, message, 0);

#pragma warning disable CA1720 // "Integer" is the RESP specification's name for this reply type.
    public static RespValue Integer(long value) => new(RespType.Integer, null, value);
#pragma warning restore CA1720

    /// <summary>A bulk string; null for the null bulk string.</summary>
    public static RespValue BulkString(byte[]? value) => new(RespType.BulkString, value, 0);

    /// <summary>An array; null for the null array.</summary>
    public static RespValue Array(RespValue[]? items) => new(RespType.Array, items, 0);

    /// <summary>
    /// The integer: an integer reply, or a bulk/simple string of decimal digits (HGET of a counter, Lua numbers
    /// returned as strings). Throws for anything else, including null: a missing counter is the caller's decision.
    /// </summary>
    public long AsInt64()
    {
        switch (Type)
        {
            case RespType.Integer:
                return _integer;
            case RespType.BulkString when _ref is byte[] bytes:
                if (Utf8Parser.TryParse(bytes, out long fromBulk, out int used) && used == bytes.Length)
                    return fromBulk;
                break;
            case RespType.SimpleString when _ref is string s:
                if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long fromSimple))
                    return fromSimple;
                break;
        }
        RedisThrowHelper.ThrowNotType(Type, "an integer");
        return 0;
    }

    /// <summary>
    /// The text: a simple string or error as sent, a bulk string decoded as UTF-8, an integer in invariant digits;
    /// null for the null bulk string. Throws for arrays.
    /// </summary>
    public string? AsString() => Type switch
    {
        RespType.SimpleString or RespType.Error => (string?)_ref,
        RespType.BulkString => _ref is byte[] b ? Encoding.UTF8.GetString(b) : null,
        RespType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        _ => ThrowNotString(),
    };

    /// <summary>The bytes of a bulk string (null for the null bulk string), or the UTF-8 of a simple string.</summary>
    public byte[]? AsBytes() => Type switch
    {
        RespType.BulkString => (byte[]?)_ref,
        RespType.SimpleString => Encoding.UTF8.GetBytes((string)_ref!),
        _ => ThrowNotBytes(),
    };

    /// <summary>The elements of an array reply; null for the null array.</summary>
    public RespValue[]? AsArray()
    {
        if (Type != RespType.Array)
            RedisThrowHelper.ThrowNotType(Type, "an array");
        return (RespValue[]?)_ref;
    }

    /// <summary>True for a simple string equal to <paramref name="expected"/> (e.g. "OK", "PONG").</summary>
    public bool IsSimpleString(string expected) =>
        Type == RespType.SimpleString && string.Equals((string?)_ref, expected, StringComparison.Ordinal);

    /// <summary>A debug form: <c>+OK</c>, <c>:1</c>, <c>$3 "abc"</c>, <c>*2 [...]</c>. Bulk text is escaped and capped.</summary>
    public override string ToString()
    {
        switch (Type)
        {
            case RespType.SimpleString:
            case RespType.Error:
                return (char)Type + (string)_ref!;
            case RespType.Integer:
                return ":" + _integer.ToString(CultureInfo.InvariantCulture);
            case RespType.BulkString:
                if (_ref is not byte[] bytes)
                    return "$-1";
                var sb = new StringBuilder();
                sb.Append(CultureInfo.InvariantCulture, $"${bytes.Length} \"");
                // Capped at 128 bytes: replies may carry user data (STYLE section 4).
                int shown = Math.Min(bytes.Length, 128);
                for (int i = 0; i < shown; i++)
                {
                    byte c = bytes[i];
                    if (c is >= 0x20 and < 0x7F && c != '"' && c != '\\')
                        sb.Append((char)c);
                    else
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{c:X2}");
                }
                return sb.Append(shown < bytes.Length ? "\"..." : "\"").ToString();
            case RespType.Array:
                if (_ref is not RespValue[] items)
                    return "*-1";
                var arr = new StringBuilder();
                arr.Append(CultureInfo.InvariantCulture, $"*{items.Length} [");
                for (int i = 0; i < items.Length; i++)
                    arr.Append(i == 0 ? "" : ", ").Append(items[i].ToString());
                return arr.Append(']').ToString();
            default:
                return "(none)";
        }
    }

    private string? ThrowNotString()
    {
        RedisThrowHelper.ThrowNotType(Type, "a string");
        return null;
    }

    private byte[]? ThrowNotBytes()
    {
        RedisThrowHelper.ThrowNotType(Type, "a bulk string");
        return null;
    }
}
