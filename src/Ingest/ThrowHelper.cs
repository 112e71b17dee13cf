using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Vpn.Perf.Ingest;

/// <summary>
/// Throws of the Ingest, kept out of the callers so their hot paths (the row encoders) stay small and inlinable.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);
}
