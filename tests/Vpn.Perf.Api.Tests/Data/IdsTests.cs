using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Tests.Data;

public sealed class IdsTests
{
    [Fact]
    public void NewId_ManyInOneMillisecond_StrictlyIncreasingVersion7InPostgresOrder()
    {
        Guid previous = Ids.NewId();
        for (int i = 0; i < 100_000; i++)
        {
            Guid next = Ids.NewId();
            Assert.Equal(7, next.Version);
            Assert.Equal(0b10, next.Variant >> 2); // RFC 9562 variant
            // Postgres orders uuid by its bytes, which is the order of the canonical text form.
            Assert.True(string.CompareOrdinal(previous.ToString(), next.ToString()) < 0, $"{next} does not sort after {previous}");
            previous = next;
        }
    }
}
