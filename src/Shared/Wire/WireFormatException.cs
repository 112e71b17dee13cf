namespace Vpn.Perf.Shared.Wire;

/// <summary>
/// Malformed wire input. Thrown only for broken input, never for "need more bytes" (that is a <c>false</c> return).
/// The message is safe to return to the sender: it names the field, offset and limit, never the raw input.
/// </summary>
public sealed class WireFormatException : Exception
{
    public WireFormatException(WireError reason, string message)
        : base(message) => Reason = reason;

    public WireFormatException(WireError reason, string message, Exception innerException)
        : base(message, innerException) => Reason = reason;

    /// <summary>The machine-readable reason; stable across versions.</summary>
    public WireError Reason { get; }
}
