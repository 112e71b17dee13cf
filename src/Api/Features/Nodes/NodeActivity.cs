using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>Reads what Ingest records in <see cref="RedisKeys.NodeLastSeen"/> (node id "N" → unix ms).</summary>
internal static class NodeActivity
{
    /// <summary>Last report times of the given nodes, in order (null = never reported), in one HMGET.</summary>
    public static async Task<DateTimeOffset?[]> LastReportsAsync(RedisClient redis, IReadOnlyList<Guid> nodeIds, CancellationToken ct)
    {
        var result = new DateTimeOffset?[nodeIds.Count];
        if (nodeIds.Count == 0) return result;
        var args = new string[nodeIds.Count + 1];
        args[0] = RedisKeys.NodeLastSeen;
        for (int i = 0; i < nodeIds.Count; i++) args[i + 1] = nodeIds[i].ToString("N");
        RespValue reply = await redis.ExecuteAsync("HMGET", args, ct);
        for (int i = 0; i < nodeIds.Count; i++)
        {
            if (reply[i].AsString() is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
            {
                result[i] = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }
        }
        return result;
    }

    public static bool IsActive(DateTimeOffset? lastReport, DateTimeOffset now, TimeSpan window) => lastReport is { } at && now - at <= window;
}
