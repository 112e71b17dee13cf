namespace Vpn.Perf.Shared.Wire;

/// <summary>
/// Why a wire message was rejected. Values are explicit and never renumbered: they appear in logs, metrics and the
/// 400 response, so a number keeps its meaning across versions. Append new reasons at the end.
/// </summary>
public enum WireError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The body ended inside a value (a complete body was expected).</summary>
    Truncated = 1,

    /// <summary>A value has a different MessagePack type than the field needs (e.g. str where bin 16 is expected).</summary>
    UnexpectedType = 2,

    /// <summary>An integer is valid MessagePack but does not fit the field (e.g. 2^40 for a uint32 field).</summary>
    IntegerOutOfRange = 3,

    /// <summary>A negative integer arrived for an unsigned field.</summary>
    NegativeInteger = 4,

    /// <summary>A UUID field is a bin whose length is not 16.</summary>
    BadUuidLength = 5,

    /// <summary>An array count exceeds its limit in <see cref="TrafficReport.TrafficBatchLimits"/>.</summary>
    CountExceedsLimit = 6,

    /// <summary>An array or map count is larger than the bytes a legal body could still hold.</summary>
    CountExceedsRemainingBytes = 7,

    /// <summary>A string is longer than its field allows.</summary>
    StringTooLong = 8,

    /// <summary>A skipped value nests deeper than the reader follows (<see cref="Limits.MaxSkipDepth"/> for a traffic batch).</summary>
    NestingTooDeep = 9,

    /// <summary>The batch version is not one this reader understands.</summary>
    UnsupportedVersion = 10,

    /// <summary>Bytes follow the complete batch.</summary>
    TrailingBytes = 11,

    /// <summary>A record array has fewer fields than its version defines.</summary>
    TooFewFields = 12,

    /// <summary>A str, bin or ext length is larger than the bytes a legal body could still hold.</summary>
    LengthExceedsRemainingBytes = 13,

    /// <summary>The byte 0xc1, which MessagePack never uses.</summary>
    InvalidTypeCode = 14,

    /// <summary>A string is not valid UTF-8.</summary>
    InvalidUtf8 = 15,

    /// <summary>A field value is outside its documented range (e.g. a byte counter above <see cref="Limits.MaxBytesPerReport"/>).</summary>
    ValueOutOfRange = 16,

    /// <summary>The body is larger than <see cref="TrafficReport.TrafficBatchLimits.MaxBatchBytes"/>.</summary>
    BodyTooLarge = 17,
}
