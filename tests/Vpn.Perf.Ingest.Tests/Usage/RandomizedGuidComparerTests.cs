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
}
