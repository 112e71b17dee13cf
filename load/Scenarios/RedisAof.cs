using StackExchange.Redis;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// Compacts each primary's append-only file (<c>BGREWRITEAOF</c>) and waits for it, so that a measured window starts
/// from the same persistence state whatever wrote to Redis before it. The HINCRBY ceiling's 4 M increments leave about
/// 300 MB in the AOF, and services measured right after the benchmark reached 0.75–1.11 (median 0.83) of the reports/s
/// of the same build without it, Redis spending more CPU per script call (2026-12-07, docs/perf.md). The rewrite is the
/// part of the benchmark's aftermath the tool can undo; the runs since have not shown yet whether it is all of it.
/// </summary>
internal static class RedisAof
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task CompactAsync(IConnectionMultiplexer redis)
    {
        foreach (IServer server in redis.GetServers())
        {
            if (server.IsReplica || (await PersistenceAsync(server)).GetValueOrDefault("aof_enabled") != "1") continue;
            try
            {
                await server.ExecuteAsync("BGREWRITEAOF");
            }
            catch (RedisServerException ex) when (ex.Message.Contains("already in progress", StringComparison.OrdinalIgnoreCase))
            {
                // One is running: the one asked for is scheduled after it, and the wait below covers both.
            }
            // The command forks before it answers (or schedules the rewrite): from here, in progress or scheduled until done.
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            while (true)
            {
                Dictionary<string, string> now = await PersistenceAsync(server);
                if (now.GetValueOrDefault("aof_rewrite_in_progress") == "0" && now.GetValueOrDefault("aof_rewrite_scheduled") == "0") break;
                if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > Limit)
                {
                    Console.WriteLine($"Redis {server.EndPoint}: the AOF rewrite did not finish within {Limit.TotalSeconds:0} s; measuring anyway");
                    break;
                }
                await Task.Delay(100);
            }
        }
    }

    private static async Task<Dictionary<string, string>> PersistenceAsync(IServer server)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (IGrouping<string, KeyValuePair<string, string>> section in await server.InfoAsync("persistence"))
        {
            foreach ((string key, string value) in section) values[key] = value;
        }
        return values;
    }
}
