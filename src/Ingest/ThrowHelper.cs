using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Vpn.Perf.Ingest.Spool;

namespace Vpn.Perf.Ingest;

/// <summary>
/// Every throw of the Ingest's own code, kept out of the callers so they stay small and inlinable (the row encoders are
/// on the sink's per-row path). Messages say what was wrong and what to do; they never echo row contents.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void ThrowCorrupt(string path, long offset, string reason)
        => throw new SpoolCorruptException(string.Create(CultureInfo.InvariantCulture,
            $"Spool file '{path}' is corrupt at offset {offset}: {reason}. Acknowledged data would be lost by skipping it, so the spool refuses to go on; restore the file or move it aside knowingly, then restart."));

    [DoesNotReturn]
    public static void ThrowPayloadTooLarge(long length)
        => throw new ArgumentOutOfRangeException(nameof(length), length, string.Create(CultureInfo.InvariantCulture,
            $"Spool record payload is {length} bytes; the limit is {SpoolFormat.MaxPayloadBytes} (SpoolFormat.MaxPayloadBytes)."));

    [DoesNotReturn]
    public static void ThrowInvalidCommit(SpoolPosition upTo, SpoolPosition committed, SpoolPosition readPosition)
        => throw new ArgumentOutOfRangeException(nameof(upTo), upTo, string.Create(CultureInfo.InvariantCulture,
            $"Spool commit position {upTo} must not lie beyond the read position {readPosition} (last commit {committed}); pass SpoolRecord.End of a record already read."));

    [DoesNotReturn]
    public static void ThrowInvalidOptions(string message)
        => throw new ArgumentException(message);
}
