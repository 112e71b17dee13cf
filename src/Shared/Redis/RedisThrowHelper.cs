using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Vpn.Perf.Shared.Redis;

/// <summary>Throw sites kept out of line so the parser and builder fast paths stay small.</summary>
internal static class RedisThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowProtocol(RespProtocolError reason, string message) =>
        throw new RespProtocolException(reason, message);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowUnknownPrefix(byte prefix) =>
        throw new RespProtocolException(RespProtocolError.UnknownPrefix,
            $"RESP reply starts with byte 0x{prefix:X2}; expected one of '+', '-', ':', '$', '*'.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowMissingCrlf() =>
        throw new RespProtocolException(RespProtocolError.MissingCrlf, "RESP line is not terminated by CRLF.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidInteger(int length) =>
        throw new RespProtocolException(RespProtocolError.InvalidInteger,
            $"RESP integer line of {length} bytes is not a 64-bit decimal integer.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowIntegerLineTooLong() =>
        throw new RespProtocolException(RespProtocolError.InvalidInteger,
            $"RESP integer line has no CRLF within {RespLimits.MaxIntegerDigits} digits.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNegativeLength(long length) =>
        throw new RespProtocolException(RespProtocolError.NegativeLength,
            $"RESP length {length} is negative; only -1 (null) is allowed.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowBulkTooLong(long length) =>
        throw new RespProtocolException(RespProtocolError.BulkTooLong,
            $"RESP bulk string of {length} bytes; the limit is {RespLimits.MaxBulkBytes} (RespLimits.MaxBulkBytes).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArrayTooLong(long count) =>
        throw new RespProtocolException(RespProtocolError.ArrayTooLong,
            $"RESP array of {count} elements; the limit is {RespLimits.MaxArrayLength} (RespLimits.MaxArrayLength).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNestingTooDeep() =>
        throw new RespProtocolException(RespProtocolError.NestingTooDeep,
            $"RESP arrays nest deeper than {RespLimits.MaxNestingDepth} (RespLimits.MaxNestingDepth).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowLineTooLong() =>
        throw new RespProtocolException(RespProtocolError.LineTooLong,
            $"RESP simple string or error line exceeds {RespLimits.MaxLineBytes} bytes (RespLimits.MaxLineBytes).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowUnexpectedReply() =>
        throw new RespProtocolException(RespProtocolError.UnexpectedReply,
            "Redis sent a reply while no command was waiting for one.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowCommandTooLarge(long needed) =>
        throw new InvalidOperationException(
            $"Redis command would grow to {needed} bytes; the limit is {RespLimits.MaxCommandBytes} (RespLimits.MaxCommandBytes).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowCommandSent() =>
        throw new InvalidOperationException(
            "This RespCommand was already handed to ExecuteAsync (or disposed); call Reset to build the next command.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNotType(RespType actual, string wanted) =>
        throw new InvalidOperationException($"Redis reply is {actual}, not {wanted}.");
}
