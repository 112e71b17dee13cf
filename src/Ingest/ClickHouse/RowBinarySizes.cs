namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>Encoded sizes of RowBinary values, for deriving the size passed to <see cref="RowBinaryWriter.BeginRow"/>.</summary>
#pragma warning disable CA1720 // the members are named after the ClickHouse types they measure
internal static class RowBinarySizes
{
    public const int UInt8 = 1;
    public const int UInt16 = 2;
    public const int UInt32 = 4;
    public const int UInt64 = 8;
    public const int Int64 = 8;
    public const int Float64 = 8;
    public const int Date = 2;
    public const int DateTime = 4;
    public const int Uuid = 16;
    public const int NullMarker = 1;

    /// <summary>The LEB128 length prefix (1 byte per 7 bits of the length, at most 5 for an int) plus the bytes.</summary>
    public static int String(int byteLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        uint v = (uint)byteLength;
        int prefix = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            prefix++;
        }
        return prefix + byteLength;
    }
}
#pragma warning restore CA1720
