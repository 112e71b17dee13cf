using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Tests.Usage;

public sealed class UsageKeyTableTests
{
    private const int Buckets = 16;

    [Fact]
    public void Find_AnyKey_NameIsTheUsageKeyTheApiReads()
    {
        var table = new UsageKeyTable(new UsageKeyNames(Buckets));
        Guid sid = Guid.NewGuid();
        var key = new UsageCall.UsageKey(sid, 1_764_547_200_000);

        RedisKey name = table.Find(key, Shared.Contracts.Buckets.Of(sid, Buckets)).Name;

        Assert.Equal(RedisKeys.Usage(sid, 1_764_547_200_000, Buckets), Encoding.UTF8.GetString((byte[])name!));
    }

    [Fact]
    public void Find_KeyOfTheCallBefore_NameKeptButSlotNotOfThisCall()
    {
        var table = new UsageKeyTable(new UsageKeyNames(Buckets));
        var key = new UsageCall.UsageKey(Guid.NewGuid(), 0);
        int first = table.BeginCall();
        ref UsageKeyTable.Entry entry = ref table.Find(key, 3);
        entry.Call = first;
        entry.Slot = 7;
        byte[] name = (byte[])entry.Name!;

        int second = table.BeginCall();
        ref UsageKeyTable.Entry again = ref table.Find(key, 3);

        Assert.NotEqual(first, second);
        Assert.NotEqual(second, again.Call);
        Assert.Same(name, (byte[])again.Name!);
    }

    [Fact]
    public void BeginCall_MoreKeysThanTheBound_StartsAgainEmpty()
    {
        var table = new UsageKeyTable(new UsageKeyNames(Buckets));
        var kept = new UsageCall.UsageKey(Guid.NewGuid(), 0);
        table.BeginCall();
        byte[] name = (byte[])table.Find(kept, 0).Name!;
        for (int i = 1; i < UsageKeyTable.MaxKeys; i++) table.Find(new UsageCall.UsageKey(Guid.NewGuid(), i), 0);

        table.BeginCall();

        Assert.NotSame(name, (byte[])table.Find(kept, 0).Name!);
    }
}
