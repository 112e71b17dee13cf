using System.Globalization;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// Reads Redis's own per-command statistics (<c>INFO commandstats</c>) at the window edges: how many script calls
/// Ingest makes per second and how long Redis spends in them, which is the Redis stage's cost measured without
/// touching Ingest. Commands run inside a script are also listed (their time is part of the script's).
/// </summary>
internal static class RedisProbe
{
    private static readonly string[] Commands = ["evalsha", "hincrby", "hmget", "hget", "xadd"];

    public static Func<Task<Dictionary<string, double>>> For(RedisClient redis) => async () =>
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        RespValue reply = await redis.ExecuteAsync("INFO", ["commandstats"], CancellationToken.None);
        foreach (string line in (reply.AsString() ?? "").Split('\n'))
        {
            // cmdstat_evalsha:calls=123,usec=4567,usec_per_call=37.13,rejected_calls=0,failed_calls=0
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string command = line[8..colon];
            if (Array.IndexOf(Commands, command) < 0) continue;
            foreach (string part in line[(colon + 1)..].TrimEnd('\r').Split(','))
            {
                string[] kv = part.Split('=');
                if (kv.Length == 2 && kv[0] is "calls" or "usec")
                {
                    values[$"redis {command} {kv[0]}"] = double.Parse(kv[1], CultureInfo.InvariantCulture);
                }
            }
        }
        return values;
    };
}
