using System.Buffers.Binary;

namespace Vpn.Perf.Api.Data;

/// <summary>
/// The Api's ids: UUIDv7 (RFC 9562), strictly increasing within this process. <c>Guid.CreateVersion7</c> fills the
/// bits after the millisecond timestamp at random, so two ids made in the same millisecond sort either way; lists page
/// newest first by id, and an operator expects rows made one after another to list in that order. When the clock
/// has not moved past the last id, the next one is the last plus one in its random low bits (RFC 9562 §6.2,
/// method 2), which keeps the version and variant bits and the order Postgres gives <c>uuid</c> values.
/// </summary>
internal static class Ids
{
    private static readonly Lock Gate = new();
    private static UInt128 _last;

    public static Guid NewId()
    {
        UInt128 next = ToUInt128(Guid.CreateVersion7());
        lock (Gate)
        {
            if (next <= _last)
            {
                // The low 62 bits are rand_b; a carry out of them would need 2^62 ids in one millisecond.
                next = _last + 1;
            }
            _last = next;
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, next);
        return new Guid(bytes, bigEndian: true);
    }

    private static UInt128 ToUInt128(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
