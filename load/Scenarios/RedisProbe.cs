using System.Globalization;
using StackExchange.Redis;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// Reads Redis's own per-command statistics (<c>INFO commandstats</c>) at the window edges: how many script calls
/// Ingest makes per second and how long Redis spends in them, which is the Redis stage's cost measured without
/// touching Ingest. Commands run inside a script are also listed (their time is part of the script's). Also the
/// server's own CPU time (<c>INFO cpu</c>, user + system, as <c>redis cpu usec</c>): the Redis stage's cost per report
/// beside the HINCRBY ceiling's cost per increment (<see cref="HincrbyCeiling"/>), whatever else runs on the machine.
/// </summary>
internal static class RedisProbe
{
    private static readonly string[] Commands = ["evalsha", "hincrby", "hmget", "hget", "xadd"];

    public static Func<Task<Dictionary<string, double>>> For(IConnectionMultiplexer redis) => async () =>
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        // Summed over the primaries: in a cluster each one runs the scripts of its own slots.
        foreach (IServer server in redis.GetServers())
        {
            if (server.IsReplica) continue;
            values["redis cpu usec"] = values.GetValueOrDefault("redis cpu usec") + await CpuMicrosecondsAsync(server);
            foreach (IGrouping<string, KeyValuePair<string, string>> section in await server.InfoAsync("commandstats"))
            {
                foreach ((string key, string stats) in section)
                {
                    // cmdstat_evalsha -> calls=123,usec=4567,usec_per_call=37.13,rejected_calls=0,failed_calls=0
                    if (!key.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
                    string command = key[8..];
                    if (Array.IndexOf(Commands, command) < 0) continue;
                    foreach (string part in stats.Split(','))
                    {
                        string[] kv = part.Split('=');
                        if (kv.Length == 2 && kv[0] is "calls" or "usec")
                        {
                            string name = $"redis {command} {kv[0]}";
                            values[name] = values.GetValueOrDefault(name) + double.Parse(kv[1], CultureInfo.InvariantCulture);
                        }
                    }
                }
            }
        }
        return values;
    };

    /// <summary>The server process's CPU time so far (<c>used_cpu_user</c> + <c>used_cpu_sys</c>), in microseconds.</summary>
    private static async Task<double> CpuMicrosecondsAsync(IServer server)
    {
        double seconds = 0;
        foreach (IGrouping<string, KeyValuePair<string, string>> section in await server.InfoAsync("cpu"))
        {
            foreach ((string key, string value) in section)
            {
                if (key is "used_cpu_user" or "used_cpu_sys") seconds += double.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        return seconds * 1e6;
    }
}
