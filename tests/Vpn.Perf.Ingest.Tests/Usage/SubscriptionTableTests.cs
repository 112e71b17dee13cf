using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Tests.Usage;

public sealed class SubscriptionTableTests
{
    [Fact]
    public void Store_ManyThroughRebuildsThenRemoveSome_EachReadsItsOwnStateOrMisses()
    {
        var table = new SubscriptionTable();
        var ids = new Guid[20_000];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Guid.CreateVersion7();
            table.Store(ids[i], StateOf(i), fetchedAtMs: i);
        }
        for (int i = 0; i < ids.Length; i += 3) table.Remove(ids[i]);
        table.Store(ids[0], StateOf(-1), fetchedAtMs: 7);

        Assert.Equal(20_000 - 6_667 + 1, table.Count); // every third removed, the first stored again
        for (int i = 1; i < ids.Length; i++)
        {
            bool hit = table.TryGet(ids[i], out SubscriptionState? state, out _, out long at);
            Assert.Equal(i % 3 != 0, hit);
            if (hit)
            {
                Assert.Equal(i, state!.MaxTraffic);
                Assert.Equal(i, at);
            }
        }
        Assert.True(table.TryGet(ids[0], out SubscriptionState? again, out _, out long againAt));
        Assert.Equal((-1L, 7L), (again.MaxTraffic!.Value, againAt));
        Assert.False(table.TryGet(Guid.NewGuid(), out _, out _, out _));
    }

    [Fact]
    public void Remove_OnlyAnOlderState_KeepsTheNewerOne()
    {
        var table = new SubscriptionTable();
        Guid id = Guid.NewGuid();
        SubscriptionState older = StateOf(1), newer = StateOf(2);
        table.Store(id, older, 1);
        table.Store(id, newer, 2);

        table.Remove(id, only: older);

        Assert.True(table.TryGet(id, out SubscriptionState? state, out _, out _));
        Assert.Same(newer, state);
        table.Remove(id, only: newer);
        Assert.False(table.TryGet(id, out _, out _, out _));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void TryGet_StoredState_ReturnsItsScopeBesideIt()
    {
        var table = new SubscriptionTable();
        Guid id = Guid.NewGuid(), inbound = Guid.NewGuid(), node = Guid.NewGuid();
        SubscriptionState state = StateOf(1) with { Scope = SubscriptionScope.Of([new InboundLink(inbound, node)]) };
        table.Store(id, state, 5);

        Assert.True(table.TryGet(id, out SubscriptionState? read, out SubscriptionScope? scope, out long at));
        Assert.Same(state, read);
        Assert.True(scope.Allows(inbound, node));
        Assert.Equal(5, at);
        table.Clear();
        Assert.False(table.TryGet(id, out _, out _, out _));
    }

    [Fact]
    public async Task TryGet_WhileAWriterStoresRemovesAndRebuilds_NeverReturnsAnotherSubscriptionsState()
    {
        // Each state carries its subscription's index, so a reader that paired one id with another's values would see it.
        var table = new SubscriptionTable();
        var ids = new Guid[5_000];
        for (int i = 0; i < ids.Length; i++) ids[i] = Guid.NewGuid();
        using var done = new CancellationTokenSource();
        Task writer = Task.Run(() =>
        {
            var random = new Random(1);
            for (int round = 0; round < 200_000; round++)
            {
                int i = random.Next(ids.Length);
                if (round % 7 == 0) table.Remove(ids[i]);
                else table.Store(ids[i], StateOf(i, anchor: round), round);
                if (round % 50_000 == 0) table.Clear();
            }
            done.Cancel();
        });
        long hits = 0;
        Task[] readers = [.. Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(100 + r);
            while (!done.IsCancellationRequested)
            {
                int i = random.Next(ids.Length);
                if (table.TryGet(ids[i], out SubscriptionState? state, out SubscriptionScope? scope, out long at))
                {
                    // The state, its scope and its time come from one write of this subscription's slot.
                    Assert.Equal(i, state.MaxTraffic);
                    Assert.Same(state.Scope, scope);
                    Assert.Equal(state.ResetAnchorMs, at);
                    Interlocked.Increment(ref hits);
                }
            }
        }))];
        await writer;
        await Task.WhenAll(readers);
        Assert.True(Interlocked.Read(ref hits) > 0);
    }

    // A scope of its own per state, so a reader that paired one write's state with another's scope would see it.
    private static SubscriptionState StateOf(long marker, long anchor = 0)
        => new(marker, null, false, null, anchor) { Scope = SubscriptionScope.Of([new InboundLink(Guid.NewGuid(), Guid.NewGuid())]) };
}
