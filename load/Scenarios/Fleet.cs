using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// The run's simulated world: fresh random node ids, token keys, inbounds and subscription ids (so runs never
/// collide with each other or with real data, and <c>--verify</c> can compare absolute counters), plus each node's
/// pre-encoded batches. Seeded into Redis the way the Api publishes them.
/// </summary>
internal sealed class Fleet
{
    // Tokens and scopes (a few keys) expire by themselves, so load runs do not pile them up in a shared Redis. The
    // subscription states do not, as the Api's do not: 20 000 keys with a time to live made every increment of the run
    // also search Redis's expiry table (`perf`: a third of the increments' key-lookup time, 2026-12-07); DeleteStatesAsync
    // removes them after the run instead.
    private static readonly TimeSpan SeedTtl = TimeSpan.FromDays(1);

    private Fleet(SimNode[] nodes, Guid[] subscriptions)
    {
        Nodes = nodes;
        Subscriptions = subscriptions;
    }

    public SimNode[] Nodes { get; }

    public Guid[] Subscriptions { get; }

    /// <summary>Mean encoded body size in bytes.</summary>
    public double MeanBodyBytes
    {
        get
        {
            long sum = 0, n = 0;
            foreach (SimNode node in Nodes)
            {
                foreach (BatchBody b in node.Bodies)
                {
                    sum += b.Bytes.Length;
                    n++;
                }
            }
            return (double)sum / n;
        }
    }

    public static Fleet Build(IngestSettings settings)
    {
        var random = new Random(settings.Seed);
        var subscriptions = new Guid[settings.Subscriptions];
        // Ids are always fresh (never from --seed): two runs must never share a node or subscription.
        for (int i = 0; i < subscriptions.Length; i++) subscriptions[i] = Guid.NewGuid();
        var factory = new PayloadFactory(settings, subscriptions, random, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var nodes = new SimNode[settings.Nodes];
        for (int n = 0; n < nodes.Length; n++)
        {
            var inbounds = new Guid[settings.InboundsPerNode];
            for (int i = 0; i < inbounds.Length; i++) inbounds[i] = Guid.NewGuid();
            var node = new SimNode(Guid.NewGuid(), PayloadFactory.NewTokenKey(Random.Shared), inbounds);
            node.Bodies = new BatchBody[settings.VariantsPerNode];
            for (int v = 0; v < node.Bodies.Length; v++) node.Bodies[v] = factory.Create(inbounds);
            node.AcceptedPerBody = new long[node.Bodies.Length];
            nodes[n] = node;
        }
        return new Fleet(nodes, subscriptions);
    }

    /// <summary>
    /// Publishes the node tokens (<c>nodetoken:&lt;sha256 hex&gt;</c> → node_id), each subscription's scope (linked, on
    /// every node, to the inbound <see cref="PayloadFactory"/> reports it on, so Ingest counts every report) and, with
    /// <c>--limits</c>, a max_traffic per subscription (no reset period, so usage stays in the <c>&lt;sid&gt;:0</c> key).
    /// Pipelined.
    /// </summary>
    public async Task SeedAsync(IDatabase redis, bool limits, int bucketCount)
    {
        var pending = new List<Task>();
        foreach (SimNode node in Nodes)
        {
            string key = RedisKeys.NodeToken(SHA256.HashData(Encoding.UTF8.GetBytes(node.TokenKey)));
            pending.Add(redis.HashSetAsync(key, [new("node_id", node.Id.ToString("N")), new("token_id", Guid.NewGuid().ToString("N"))]));
            pending.Add(redis.KeyExpireAsync(key, SeedTtl));
        }
        var random = new Random(Subscriptions.Length);
        var links = new InboundLink[Nodes.Length];
        var scopes = new Dictionary<int, string>();
        for (int s = 0; s < Subscriptions.Length; s++)
        {
            string key = RedisKeys.SubscriptionState(Subscriptions[s], bucketCount);
            // Every node has the same number of inbounds, and a subscription is linked to the one of that index on each:
            // subscriptions share as few scopes as a plan's do.
            int variant = s % Nodes[0].Inbounds.Length;
            if (!scopes.TryGetValue(variant, out string? scopeId))
            {
                for (int n = 0; n < Nodes.Length; n++) links[n] = new InboundLink(Nodes[n].Inbounds[variant], Nodes[n].Id);
                SubscriptionScope scope = SubscriptionScope.Of(links);
                scopeId = scope.Id;
                scopes[variant] = scopeId;
                pending.Add(redis.StringSetAsync(RedisKeys.Scope(scopeId), scope.Format(), SeedTtl));
                await DrainAsync(pending);
            }
            if (limits)
            {
                // 100 GB .. 100 TB: the heavy Zipf ranks cross theirs within a minute, the tail never does.
                long max = (long)Math.Exp(Math.Log(1e11) + (random.NextDouble() * Math.Log(1e3)));
                pending.Add(redis.HashSetAsync(key, [new(SubscriptionState.Fields.Scope, scopeId), new(SubscriptionState.Fields.MaxTraffic, max)]));
            }
            else
            {
                pending.Add(redis.HashSetAsync(key, [new(SubscriptionState.Fields.Scope, scopeId)]));
            }
            // Awaited in rounds, so the tasks in flight stay bounded however large the fleet.
            if (pending.Count >= 4096) await DrainAsync(pending);
        }
        await DrainAsync(pending);
    }

    /// <summary>Deletes the subscription states <see cref="SeedAsync"/> wrote (one key per command: they lie in every bucket).</summary>
    public async Task DeleteStatesAsync(IDatabase redis, int bucketCount)
    {
        var pending = new List<Task>();
        foreach (Guid sid in Subscriptions)
        {
            pending.Add(redis.KeyDeleteAsync(RedisKeys.SubscriptionState(sid, bucketCount)));
            if (pending.Count >= 4096) await DrainAsync(pending);
        }
        await DrainAsync(pending);
    }

    /// <summary>Forgets what was sent so far (after the reference run, whose batches never reach Redis or ClickHouse).</summary>
    public void ResetAccounting()
    {
        foreach (SimNode node in Nodes)
        {
            Array.Clear(node.AcceptedPerBody);
            node.Ambiguous = 0;
        }
    }

    /// <summary>What the servers must hold for this fleet, from the accepted sends of each body.</summary>
    public SentTotals Totals()
    {
        var perSubscription = new long[Subscriptions.Length];
        var t = new SentTotals(perSubscription);
        foreach (SimNode node in Nodes)
        {
            t.AmbiguousBatches += node.Ambiguous;
            for (int v = 0; v < node.Bodies.Length; v++)
            {
                long sends = node.AcceptedPerBody[v];
                if (sends == 0) continue;
                BatchBody body = node.Bodies[v];
                t.Batches += sends;
                t.Reports += sends * body.Reports;
                t.AccessEvents += sends * body.AccessEvents;
                t.BytesUp += (ulong)sends * body.BytesUp;
                t.BytesDown += (ulong)sends * body.BytesDown;
                for (int r = 0; r < body.Reports; r++) perSubscription[body.SubscriptionIndexes[r]] += sends * body.Deltas[r];
            }
        }
        return t;
    }

    private static async Task DrainAsync(List<Task> pending)
    {
        await Task.WhenAll(pending);
        pending.Clear();
    }
}

/// <summary>What was sent and acknowledged (2xx), hence what Redis and ClickHouse must hold.</summary>
internal sealed class SentTotals(long[] perSubscription)
{
    public long[] PerSubscription { get; } = perSubscription;
    public long Batches { get; set; }
    public long Reports { get; set; }
    public long AccessEvents { get; set; }
    public ulong BytesUp { get; set; }
    public ulong BytesDown { get; set; }
    public long AmbiguousBatches { get; set; }
}
