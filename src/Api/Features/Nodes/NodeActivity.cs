using System.Globalization;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>Reads what Ingest records in <see cref="RedisKeys.NodeLastSeen"/> (node id "N" → unix ms).</summary>
internal static class NodeActivity
{
    /// <summary>Last report times of the given nodes, in order (null = never reported), in one HMGET.</summary>
    public static async Task<DateTimeOffset?[]> LastReportsAsync(IDatabase redis, IReadOnlyList<Guid> nodeIds, CancellationToken ct)
    {
        var result = new DateTimeOffset?[nodeIds.Count];
        if (nodeIds.Count == 0) return result;
        var fields = new RedisValue[nodeIds.Count];
        for (int i = 0; i < nodeIds.Count; i++) fields[i] = nodeIds[i].ToString("N");
        RedisValue[] reply = await redis.HashGetAsync(RedisKeys.NodeLastSeen, fields).WaitAsync(ct);
        for (int i = 0; i < nodeIds.Count; i++)
        {
            if ((string?)reply[i] is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
            {
                result[i] = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }
        }
        return result;
    }

    public static bool IsActive(DateTimeOffset? lastReport, DateTimeOffset now, TimeSpan window) => lastReport is { } at && now - at <= window;
}
