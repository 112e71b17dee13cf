namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The Lua script that applies one batch's reports of one key bucket atomically (one call per bucket).
/// </summary>
/// <remarks>
/// KEYS: <c>{bN}:used</c>, <c>{bN}:seq</c>, <c>{bN}:events</c>.
/// ARGV: node (hex), seq (decimal), now (unix ms), then per report four values: subscription (hex),
/// period start (unix ms, 0 = never resets), limit (bytes, -1 = unlimited), delta (bytes up + down).
/// Returns -1 when this (node, seq) was already applied to the bucket (a retry), otherwise the 0-based
/// indexes of the reports whose subscription is now at or over its limit.
/// Cost: one <c>redis.call</c> per report plus two per call; an event is added only on the report that
/// crosses the limit. Seqs are compared as decimal strings because Lua numbers are doubles and a uint64
/// seq would lose precision above 2^53.
/// </remarks>
internal static class UsageScript
{
    public const string Source = """
        local last = redis.call('HGET', KEYS[2], ARGV[1])
        if last then
          local seq = ARGV[2]
          if #last > #seq or (#last == #seq and last >= seq) then return -1 end
        end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        local over = {}
        local n = 0
        for i = 4, #ARGV, 4 do
          local delta = tonumber(ARGV[i + 3])
          local total = redis.call('HINCRBY', KEYS[1], ARGV[i] .. ':' .. ARGV[i + 1], delta)
          local limit = tonumber(ARGV[i + 2])
          if limit >= 0 and total >= limit then
            n = n + 1
            over[n] = (i - 4) / 4
            if total - delta < limit then
              redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*',
                'subscription', ARGV[i], 'used', total, 'limit', ARGV[i + 2],
                'period_start', ARGV[i + 1], 'node', ARGV[1], 'at', ARGV[3])
            end
          end
        end
        return over
        """;
}
