namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The Lua script that applies, atomically, every pending report of one key bucket: the portions of all the
/// batches one applier round gathered for that bucket (see <see cref="UsageApplier"/>).
/// </summary>
/// <remarks>
/// KEYS: <c>{bN}:used</c>, <c>{bN}:seq</c>, <c>{bN}:events</c>.
/// ARGV: the portion count P, then per portion: node (hex), seq (decimal), now (unix ms), report count n,
/// then per report three values: the usage field <c>&lt;subscription hex&gt;:&lt;period start ms&gt;</c>, the
/// limit (bytes, -1 = unlimited) and the delta (bytes up + down).
/// Returns one entry per portion: -1 when this bucket already applied that (node, seq) (a retry), otherwise
/// the 0-based indexes, within the portion, of the reports whose subscription is now at or over its limit.
/// Cost: one <c>redis.call</c> per report plus an HMGET and an HSET per call, so the fixed cost of a script
/// call is shared by every batch of the round. An event is added only by the report that crosses the limit.
/// Seqs are compared as decimal strings, because Lua numbers are doubles and lose uint64 precision.
/// </remarks>
internal static class UsageScript
{
    public const string Source = """
        local portions = tonumber(ARGV[1])
        local nodes = {}
        local i = 2
        for p = 1, portions do
          nodes[p] = ARGV[i]
          i = i + 4 + tonumber(ARGV[i + 3]) * 3
        end
        local stored = redis.call('HMGET', KEYS[2], unpack(nodes))
        local newest = {}
        local updates = {}
        local out = {}
        i = 2
        for p = 1, portions do
          local node, seq, now, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
          i = i + 4
          local last = newest[node] or stored[p]
          if last and (#last > #seq or (#last == #seq and last >= seq)) then
            out[p] = -1
          else
            newest[node] = seq
            updates[#updates + 1] = node
            updates[#updates + 1] = seq
            local over = {}
            local k = 0
            for r = 0, n - 1 do
              local j = i + r * 3
              local delta = tonumber(ARGV[j + 2])
              local total = redis.call('HINCRBY', KEYS[1], ARGV[j], delta)
              local limit = tonumber(ARGV[j + 1])
              if limit >= 0 and total >= limit then
                k = k + 1
                over[k] = r
                if total - delta < limit then
                  local field = ARGV[j]
                  redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*',
                    'subscription', string.sub(field, 1, 32), 'period_start', string.sub(field, 34),
                    'used', total, 'limit', ARGV[j + 1], 'node', node, 'at', now)
                end
              end
            end
            out[p] = over
          end
          i = i + n * 3
        end
        if #updates > 0 then redis.call('HSET', KEYS[2], unpack(updates)) end
        return out
        """;
}
