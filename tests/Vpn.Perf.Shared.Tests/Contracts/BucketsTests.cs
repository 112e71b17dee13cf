using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Shared.Tests.Contracts;

public sealed class BucketsTests
{
    [Fact]
    public void Of_KnownIds_AreStableAcrossReleases()
    {
        // Golden values: Ingest and Api of different versions must agree on them, so they never change.
        Assert.Equal(36, Buckets.Of(Guid.Parse("0192f0c4-7e6a-7cc2-9a3e-5b6f1d2e3a4b"), 64));
        Assert.Equal(0, Buckets.Of(Guid.Parse("0192f0c4-7e6a-7cc2-9a3e-5b6f1d2e3a4b"), 1));
    }

    [Fact]
    public void Of_SequentialIds_SpreadEvenlyOverBuckets()
    {
        var counts = new int[64];
        Span<byte> bytes = stackalloc byte[16];
        for (int i = 0; i < 64_000; i++)
        {
            bytes.Clear();
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes[12..], i);
            counts[Buckets.Of(new Guid(bytes, bigEndian: true), 64)]++;
        }
        foreach (int c in counts)
        {
            Assert.InRange(c, 800, 1200);
        }
    }
}
