using Vpn.Perf.Ingest.Usage;

namespace Vpn.Perf.Ingest.Tests.Usage;

public sealed class ExactLengthPoolTests
{
    [Fact]
    public void Rent_LengthReturnedBefore_SameArrayAgainAndExactLength()
    {
        var pool = new ExactLengthPool<long>();
        long[] array = pool.Rent(37);
        pool.Return(array);

        Assert.Same(array, pool.Rent(37));
        Assert.Equal(36, pool.Rent(36).Length);
    }

    [Fact]
    public void Return_MoreThanKeptPerLength_RestDropped()
    {
        var pool = new ExactLengthPool<long>();
        long[][] arrays = new long[ExactLengthPool<long>.PerLength + 1][];
        for (int i = 0; i < arrays.Length; i++) arrays[i] = new long[5];
        foreach (long[] a in arrays) pool.Return(a);

        var rented = new HashSet<long[]>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < arrays.Length; i++) rented.Add(pool.Rent(5));

        Assert.Equal(ExactLengthPool<long>.PerLength, rented.Count(a => arrays.Contains(a)));
    }

    [Fact]
    public void Return_LongerThanTheBound_NotKept()
    {
        var pool = new ExactLengthPool<long>();
        long[] array = new long[ExactLengthPool<long>.MaxLength + 1];
        pool.Return(array);

        Assert.NotSame(array, pool.Rent(array.Length));
    }
}
