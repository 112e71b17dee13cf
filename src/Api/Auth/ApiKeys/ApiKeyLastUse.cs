using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// When each key was last used, coalesced in memory (one entry per key, whatever its request rate) and written by
/// <see cref="ApiKeyLastUseWriter"/> in one statement per interval, not one UPDATE per request. The column only moves
/// forward, so instances writing in any order agree; a crash loses at most one interval of it.
/// </summary>
internal sealed class ApiKeyLastUse(NpgsqlDataSource db)
{
    private const string WriteSql = """
        update api_keys k set last_used_at = u.at
        from unnest($1::uuid[], $2::timestamptz[]) u (id, at)
        where k.id = u.id and (k.last_used_at is null or k.last_used_at < u.at)
        """;

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _pending = new();

    public int Pending => _pending.Count;

    public void Record(Guid keyId, DateTimeOffset at) => _pending[keyId] = at;

    /// <summary>Writes every pending use; returns how many keys were written.</summary>
    public async Task<int> FlushAsync(CancellationToken ct)
    {
        if (_pending.IsEmpty) return 0;
        var ids = new List<Guid>(_pending.Count);
        var times = new List<DateTimeOffset>(_pending.Count);
        foreach (Guid id in _pending.Keys)
        {
            // A use recorded after this removal stays pending for the next write; none is lost between the two.
            if (!_pending.TryRemove(id, out DateTimeOffset at)) continue;
            ids.Add(id);
            times.Add(at.ToUniversalTime());
        }
        if (ids.Count == 0) return 0;
        await using NpgsqlCommand cmd = db.CreateCommand(WriteSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, TypedValue = [.. ids] });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, TypedValue = [.. times] });
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch
        {
            // Put them back (a newer use wins) so a failed write is retried at the next interval.
            for (int i = 0; i < ids.Count; i++) _pending.AddOrUpdate(ids[i], times[i], (_, newer) => newer > times[i] ? newer : times[i]);
            throw;
        }
        return ids.Count;
    }
}
