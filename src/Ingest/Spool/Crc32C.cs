using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>CRC-32C (Castagnoli, as in iSCSI, ext4 and Kafka) on <see cref="BitOperations.Crc32C(uint, ulong)"/>, which
/// uses the SSE4.2 / ARMv8 CRC instructions when present and a table otherwise. System.IO.Hashing is not available here.</summary>
internal static class Crc32C
{
    /// <summary>The initial register value; a finished CRC is the register inverted (<see cref="Finish"/>).</summary>
    public const uint Seed = 0xFFFF_FFFFu;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Seed, data));

    public static uint Finish(uint crc) => ~crc;

    public static uint Update(uint crc, ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return Update(crc, data.FirstSpan);
        }

        foreach (ReadOnlyMemory<byte> segment in data)
        {
            crc = Update(crc, segment.Span);
        }

        return crc;
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        // Eight bytes per step: the instruction consumes them in memory (little-endian) order, the same as eight byte steps.
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
