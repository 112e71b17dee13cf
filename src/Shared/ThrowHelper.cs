using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Vpn.Perf.Shared;

/// <summary>
/// The one throw helper of Shared: <c>[DoesNotReturn]</c> one-liners keep throw sites out of inlined hot code.
/// Partial so each area adds its own part (ThrowHelper.&lt;Area&gt;.cs) without touching the others.
/// </summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);
}
