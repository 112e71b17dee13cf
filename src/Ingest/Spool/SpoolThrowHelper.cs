using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>Throw one-liners for the spool, kept out of line so the callers stay small.
/// (Fold into the project's ThrowHelper once Ingest has one.)</summary>
internal static class SpoolThrowHelper
{
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
