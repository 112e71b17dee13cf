using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Vpn.Perf.Ingest.StateSync;

namespace Vpn.Perf.Ingest.Tests.Usage;

public sealed class RandomizedGuidComparerTests
{
    [Fact]
    public void GetHashCode_IdsChosenToShareGuidsOwnHashCode_SpreadOut()
    {
        // What a hostile node can send: ids whose four words XOR to the same value, so Guid.GetHashCode is one number.
        var random = new Random(7);
        var ids = new Guid[1_000];
        for (int i = 0; i < ids.Length; i++)
        {
            int a = random.Next(), b = random.Next(), c = random.Next();
            int[] words = [a, b, c, a ^ b ^ c ^ 0x5eed];
            ids[i] = MemoryMarshal.Cast<int, Guid>(words)[0];
        }
        Assert.Single(ids.Select(id => id.GetHashCode()).Distinct());

        int distinct = ids.Select(RandomizedGuidComparer.Instance.GetHashCode).Distinct().Count();

        Assert.True(distinct > 990, $"{distinct} distinct hash codes for 1000 ids");
        Assert.All(ids, id => Assert.True(RandomizedGuidComparer.Instance.Equals(id, new Guid(id.ToByteArray()))));
    }

    [Theory]
    [InlineData(6)]  // UUIDv7s of one millisecond: the counter bytes after the timestamp
    [InlineData(12)] // ids alike but for bytes of their second half
    public void GetHashCode_IdsDifferingInAFewBytes_SpreadOverATablesLowBits(int counterAt)
    {
        // A table indexes by the hash's low bits: ids that differ only in a counter must not crowd a few slots.
        var ids = new Guid[1_024];
        Span<byte> bytes = stackalloc byte[16];
        for (int i = 0; i < ids.Length; i++)
        {
            bytes.Fill(0x5a);
            BinaryPrimitives.WriteInt32BigEndian(bytes[counterAt..], i);
            ids[i] = new Guid(bytes);
        }

        int homes = ids.Select(id => RandomizedGuidComparer.Instance.GetHashCode(id) & (ids.Length - 1)).Distinct().Count();

        // Random placement fills 1 - 1/e of the slots (about 647); a weak mix fills far fewer.
        Assert.True(homes > 560, $"{homes} of {ids.Length} slots used");
    }
}
