using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.MessagePack;

namespace Vpn.Perf.Shared;

/// <summary>
/// Every throw of the project, kept out of the callers so their hot paths stay small and inlinable. Messages say what
/// was wrong, where (byte offset or record index) and what the limit is; they never echo raw input.
/// </summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowWireFormat(WireError reason, string message) => throw new WireFormatException(reason, message);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowTruncated(long offset) => ThrowWireFormat(WireError.Truncated, string.Create(Invariant,
        $"The batch ends at byte {offset} inside a value; the body is truncated."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowUnexpectedType(string expected, byte code, long offset) => ThrowWireFormat(WireError.UnexpectedType, string.Create(Invariant,
        $"Expected {expected} at byte offset {offset}, found {MessagePackCode.Describe(code)}."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNegativeInteger(long offset) => ThrowWireFormat(WireError.NegativeInteger, string.Create(Invariant,
        $"The integer at byte offset {offset} is negative; this field is unsigned."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowIntegerOutOfRange(long offset, string type) => ThrowWireFormat(WireError.IntegerOutOfRange, string.Create(Invariant,
        $"The integer at byte offset {offset} does not fit this field's {type} range."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowBadUuidLength(long offset, uint length) => ThrowWireFormat(WireError.BadUuidLength, string.Create(Invariant,
        $"The UUID at byte offset {offset} is a bin of {length} bytes; a UUID is exactly 16 bytes (bin 8, RFC 9562 byte order)."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowCountExceedsRemainingBytes(long offset, long count, long bound, int maxMessageBytes) => ThrowWireFormat(WireError.CountExceedsRemainingBytes, string.Create(Invariant,
        $"The array or map at byte offset {offset} declares {count} elements, but a batch of at most {maxMessageBytes} bytes has only {bound} bytes left for them (each needs at least one)."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowLengthExceedsRemainingBytes(long offset, long length, long bound, int maxMessageBytes) => ThrowWireFormat(WireError.LengthExceedsRemainingBytes, string.Create(Invariant,
        $"The value at byte offset {offset} declares {length} bytes, but a batch of at most {maxMessageBytes} bytes has only {bound} bytes left."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowStringTooLong(long offset, long length, int max) => ThrowWireFormat(WireError.StringTooLong, string.Create(Invariant,
        $"The string at byte offset {offset} is {length} bytes; the limit is {max}."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNestingTooDeep(long offset, int maxDepth) => ThrowWireFormat(WireError.NestingTooDeep, string.Create(Invariant,
        $"The skipped value at byte offset {offset} nests deeper than {maxDepth} levels, the most a reader follows."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidTypeCode(long offset) => ThrowWireFormat(WireError.InvalidTypeCode, string.Create(Invariant,
        $"Byte offset {offset} holds 0xc1, which MessagePack never uses."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowUnsupportedVersion(uint version, uint supported) => ThrowWireFormat(WireError.UnsupportedVersion, string.Create(Invariant,
        $"Batch version {version} is not supported; this server reads version {supported}."));

    // record is "Batch", "Report" or "Access event"; index is its zero-based position, negative for the batch itself.
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowTooFewFields(string record, int index, int fields, int required) => ThrowWireFormat(WireError.TooFewFields, string.Create(Invariant,
        $"{record}{Index(index)} has {fields} fields; version 1 defines {required}."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowCountExceedsLimit(string what, int count, int limit, string limitName) => ThrowWireFormat(WireError.CountExceedsLimit, string.Create(Invariant,
        $"{what} has {count} items; the limit is {limit} ({limitName})."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowValueOutOfRange(string record, int index, string field, ulong value, ulong max, string limitName) => ThrowWireFormat(WireError.ValueOutOfRange, string.Create(Invariant,
        $"{record}{Index(index)} field {field} is {value}; the limit is {max} ({limitName})."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowTimeOutOfRange(string record, int index, string field, long value, ulong max) => ThrowWireFormat(WireError.ValueOutOfRange, string.Create(Invariant,
        $"{record}{Index(index)} field {field} is {value}; times run from 0 to {max} (unix, UTC)."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidUtf8(string record, int index, string field) => ThrowWireFormat(WireError.InvalidUtf8, string.Create(Invariant,
        $"{record}{Index(index)} field {field} is not valid UTF-8."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowTrailingBytes(long offset, long count) => ThrowWireFormat(WireError.TrailingBytes, string.Create(Invariant,
        $"The batch ends at byte offset {offset}, but {count} more bytes follow it."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowBodyTooLarge(long length, int max, string limitName) => ThrowWireFormat(WireError.BodyTooLarge, string.Create(Invariant,
        $"The batch body is {length} bytes; the limit is {max} ({limitName})."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    private static string Index(int index) => index < 0 ? "" : string.Create(Invariant, $" {index}");

    // Messages go to logs and clients, so digits must not depend on the server's locale.
    private static CultureInfo Invariant => CultureInfo.InvariantCulture;
}
