using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Scenarios.ScaleOut;

/// <summary>What <see cref="SlotMigration"/> moved.</summary>
internal sealed record SlotMove(int Bucket, int Slot, string From, string To, int Keys, int Steps, double Seconds)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"bucket {Bucket} (slot {Slot}): {Keys} keys moved from {From} to {To} in {Steps} MIGRATE steps, {Seconds:0.00} s");
}

/// <summary>
/// Moves the slot of one key bucket to another master while the cluster takes load, the way an operator rebalances and as
/// the Ingest tests' SlotMigrationTests do: <c>CLUSTER SETSLOT IMPORTING</c> on the target, <c>MIGRATING</c> on the source,
/// <c>MIGRATE ... KEYS</c> a batch of keys at a time with a short pause between steps (so batches meet the slot half-moved:
/// <c>ASK</c>, <c>TRYAGAIN</c>, then <c>MOVED</c>), then <c>SETSLOT NODE</c> on the target, the source and the other masters.
/// Bounded in time; the connection must allow admin commands.
/// </summary>
internal static class SlotMigration
{
    private const int KeysPerStep = 64;
    private static readonly TimeSpan PauseBetweenSteps = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task<SlotMove> MoveBucketAsync(ConnectionMultiplexer redis, int bucket, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        long deadline = started + RunWindow.Ticks(Limit);
        var tag = (RedisKey)string.Create(CultureInfo.InvariantCulture, $"{{b{bucket}}}");
        int slot = redis.HashSlot(tag);
        IServer source = redis.GetServer(tag);
        IServer target = redis.GetServers().First(s => !s.IsReplica && s.IsConnected && !s.EndPoint.Equals(source.EndPoint));
        IServer[] masters = [.. redis.GetServers().Where(static s => !s.IsReplica)];
        string sourceId = (string)(await source.ExecuteAsync("CLUSTER", "MYID"))!;
        string targetId = (string)(await target.ExecuteAsync("CLUSTER", "MYID"))!;
        var to = (IPEndPoint)target.EndPoint;

        await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
        await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
        int moved = 0, steps = 0;
        while (true)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Slot {slot} still had keys on {source.EndPoint} after {Limit.TotalSeconds:0} s ({moved} moved); it is left MIGRATING.");
            }
            var keys = (RedisKey[])(await source.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, KeysPerStep))!;
            if (keys.Length == 0) break;
            var args = new List<object>(6 + keys.Length) { to.Address.ToString(), to.Port, "", 0, 5000, "KEYS" };
            foreach (RedisKey key in keys) args.Add(key);
            await source.ExecuteAsync("MIGRATE", args);
            moved += keys.Length;
            steps++;
            await Task.Delay(PauseBetweenSteps, ct);
        }
        // The target first, so it owns the slot before the source stops redirecting there; then every other master.
        await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        foreach (IServer other in masters.Where(m => !m.EndPoint.Equals(source.EndPoint) && !m.EndPoint.Equals(target.EndPoint)))
        {
            await other.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        }
        return new SlotMove(bucket, slot, source.EndPoint.ToString()!, target.EndPoint.ToString()!, moved, steps,
            Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
