namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// The Lua scripts behind <see cref="BatchClaims"/>. Each call gets the claim keys of one bucket
/// (<c>{bN}:claim:&lt;node&gt;:&lt;seq&gt;</c>, one Cluster slot); ARGV[1] is the owner (a spool id).
/// </summary>
internal static class ClaimScripts
{
    /// <summary>
    /// ARGV[2]: the lease in milliseconds. Takes each free key and renews each the owner already holds (its own retry, or
    /// the same spool read again after a restart); leaves the others alone. Returns <c>{index, holder, ...}</c> (0-based
    /// key indexes) for the keys another owner holds, so the common answer is an empty array.
    /// </summary>
    public const string Claim = """
        local held = {}
        for i = 1, #KEYS do
          local holder = redis.call('GET', KEYS[i])
          if not holder or holder == ARGV[1] then
            redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
          else
            held[#held + 1] = i - 1
            held[#held + 1] = holder
          end
        end
        return held
        """;

    /// <summary>Deletes the keys the owner holds, once their batches are stored; a key another owner holds stays.</summary>
    public const string Release = """
        local released = 0
        for i = 1, #KEYS do
          if redis.call('GET', KEYS[i]) == ARGV[1] then
            redis.call('DEL', KEYS[i])
            released = released + 1
          end
        end
        return released
        """;
}
