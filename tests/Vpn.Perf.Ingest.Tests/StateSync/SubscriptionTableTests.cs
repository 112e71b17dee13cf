using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Tests.StateSync;

public sealed class SubscriptionTableTests
{
    [Fact]
    public void SetAll_ManyMoreThanTheInitialSlots_FindsEveryEntryAfterGrowing()
    {
        var table = new SubscriptionTable();
        (Guid[] ids, SubscriptionTable.Entry[] entries) = Make(50_000, seed: 1);

        for (int at = 0; at < ids.Length; at += 1_000) table.SetAll(ids.AsSpan(at, 1_000), entries.AsSpan(at, 1_000));

        Assert.Equal(ids.Length, table.Count);
        AssertHolds(table, ids, entries);
        Assert.False(table.TryGet(Guid.NewGuid(), out _));
    }

    [Fact]
    public void SetAll_AnIdAlreadyThere_ReplacesItsEntry()
    {
        var table = new SubscriptionTable();
        (Guid[] ids, SubscriptionTable.Entry[] entries) = Make(100, seed: 2);
        table.SetAll(ids, entries);
        (_, SubscriptionTable.Entry[] newer) = Make(100, seed: 3);

        table.SetAll(ids, newer);

        Assert.Equal(100, table.Count);
        AssertHolds(table, ids, newer);
    }

    [Fact]
    public void Remove_OneAfterAnotherInFullClusters_KeepsEveryOtherEntryFindable()
    {
        // Just under the load that makes the table grow, so probe chains are long and wrap around the end: each removal
        // moves entries of its cluster back, and every one of them must still be found from its own home slot.
        var table = new SubscriptionTable();
        (Guid[] ids, SubscriptionTable.Entry[] entries) = Make(511, seed: 4);
        table.SetAll(ids, entries);
        var removed = new HashSet<Guid>();
        var random = new Random(5);

        foreach (int victim in Enumerable.Range(0, ids.Length).OrderBy(_ => random.Next()).Take(400))
        {
            table.Remove(ids[victim]);
            removed.Add(ids[victim]);
            for (int i = 0; i < ids.Length; i++)
            {
                bool found = table.TryGet(ids[i], out SubscriptionTable.Entry entry);
                Assert.Equal(!removed.Contains(ids[i]), found);
                if (found) Assert.Equal(entries[i], entry);
            }
        }
        Assert.Equal(111, table.Count);
    }

    [Fact]
    public void RemoveAllIfSame_AnEntryStoredSince_StaysWhileTheSameOneGoes()
    {
        var table = new SubscriptionTable();
        (Guid[] ids, SubscriptionTable.Entry[] entries) = Make(2, seed: 6);
        table.SetAll(ids, entries);
        SubscriptionTable.Entry newer = entries[1] with { FetchedAtMs = entries[1].FetchedAtMs + 1 };
        table.SetAll(ids.AsSpan(1), [newer]);

        table.RemoveAllIfSame(ids, entries);

        Assert.False(table.TryGet(ids[0], out _));
        Assert.True(table.TryGet(ids[1], out SubscriptionTable.Entry kept));
        Assert.Equal(newer, kept);
    }

    [Fact]
    public void Clear_AfterEntries_FindsNoneAndTakesNewOnes()
    {
        var table = new SubscriptionTable();
        (Guid[] ids, SubscriptionTable.Entry[] entries) = Make(5_000, seed: 7);
        table.SetAll(ids, entries);

        table.Clear();

        Assert.Equal(0, table.Count);
        Assert.All(ids, id => Assert.False(table.TryGet(id, out _)));
        table.SetAll(ids, entries);
        AssertHolds(table, ids, entries);
    }

    [Fact]
    public async Task TryGet_WhileAWriterStoresRemovesAndGrows_NeverReturnsAnotherIdsEntry()
    {
        // Each id's entry names the id (its FetchedAtMs is the id's index): a torn read, or a slot read while another id
        // moved into it, would pair an id with another's entry. Bounded by the writer's operations, not by time.
        var table = new SubscriptionTable();
        (Guid[] ids, SubscriptionTable.Entry[] entries) = Make(4_000, seed: 8);
        var index = new Dictionary<Guid, int>();
        for (int i = 0; i < ids.Length; i++) index[ids[i]] = i;
        using var done = new CancellationTokenSource();
        using var readersStarted = new CountdownEvent(2);

        Task[] readers = [.. Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            readersStarted.Signal();
            while (!done.IsCancellationRequested)
            {
                int i = random.Next(ids.Length);
                if (table.TryGet(ids[i], out SubscriptionTable.Entry entry))
                {
                    Assert.Equal(i, entry.FetchedAtMs);
                    Assert.Same(entries[i].State, entry.State);
                }
            }
        }))];
        readersStarted.Wait();
        var writes = new Random(9);
        for (int op = 0; op < 60_000; op++)
        {
            int i = writes.Next(ids.Length);
            if (writes.Next(3) == 0) table.Remove(ids[i]);
            else table.SetAll(ids.AsSpan(i, 1), entries.AsSpan(i, 1));
            if (op % 20_000 == 19_999) table.Clear();
        }
        done.Cancel();
        await Task.WhenAll(readers);

        table.SetAll(ids, entries);
        AssertHolds(table, ids, entries);
    }

    private static (Guid[] Ids, SubscriptionTable.Entry[] Entries) Make(int count, int seed)
    {
        var random = new Random(seed);
        var ids = new Guid[count];
        var entries = new SubscriptionTable.Entry[count];
        for (int i = 0; i < count; i++)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            ids[i] = new Guid(bytes);
            var state = new SubscriptionState(random.NextInt64(1, long.MaxValue), null, false, null, 0);
            entries[i] = SubscriptionTable.Entry.Of(state, i);
        }
        return (ids, entries);
    }

    private static void AssertHolds(SubscriptionTable table, Guid[] ids, SubscriptionTable.Entry[] entries)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(table.TryGet(ids[i], out SubscriptionTable.Entry entry), $"entry {i} not found");
            Assert.Equal(entries[i], entry);
        }
    }
}
