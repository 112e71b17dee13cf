using System.Collections.Concurrent;
using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// API keys by hash, answered from memory: a key is loaded on first sight (one query) and dropped by
/// <see cref="ApiKeyChangeListener"/> when Postgres NOTIFYs its revocation or deletion (every Api instance hears it);
/// the revoking instance drops it itself before answering. An unknown hash is remembered as unknown too, so a
/// client repeating a wrong key costs no query either. Entries are stored only while the LISTEN is up and live at
/// most <see cref="ApiKeyOptions.CacheMaxAge"/>, the backstop for a lost notice (the <see cref="AccessRevocationCache"/> design).
/// </summary>
internal sealed class ApiKeyCache(NpgsqlDataSource db, ApiKeyOptions options, TimeProvider time)
{
    private const int MaxEntries = 100_000; // beyond it the map starts over (a reload is one cheap query)

    private const string LoadSql = """
        select id, user_id, scopes, expires_at, allowed_ips::text[], daily_quota
        from api_keys where key_hash = $1 and revoked_at is null
        """;

    private readonly ConcurrentDictionary<string, Entry> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, string> _hashById = new();
    private long _epoch;
    private volatile bool _listening;

    /// <summary>True while invalidations are being received; nothing is stored otherwise.</summary>
    public bool IsListening => _listening;

    public int Count => _byHash.Count;

    /// <summary>The live (unrevoked) key with this hash, or null; expiry, address and user are the caller's to check.</summary>
    public ValueTask<ApiKeyEntry?> FindAsync(byte[] hash, CancellationToken ct)
    {
        string id = Convert.ToHexString(hash);
        if (_byHash.TryGetValue(id, out Entry entry) && time.GetElapsedTime(entry.LoadedAt) < options.CacheMaxAge) return new(entry.Key);
        return LoadAsync(hash, id, ct);
    }

    public void Evict(Guid keyId)
    {
        Interlocked.Increment(ref _epoch);
        if (_hashById.TryRemove(keyId, out string? hash)) _byHash.TryRemove(hash, out _);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        _byHash.Clear();
        _hashById.Clear();
    }

    /// <summary>Called by the listener: on with a fresh LISTEN (and an empty cache), off the moment it is lost.</summary>
    public void SetListening(bool listening)
    {
        _listening = listening;
        Clear();
    }

    private async ValueTask<ApiKeyEntry?> LoadAsync(byte[] hash, string id, CancellationToken ct)
    {
        long epoch = Volatile.Read(ref _epoch);
        ApiKeyEntry? key = null;
        await using (NpgsqlCommand cmd = db.CreateCommand(LoadSql))
        {
            cmd.Parameters.Add(new NpgsqlParameter<byte[]> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = hash });
            await using NpgsqlDataReader row = await cmd.ExecuteReaderAsync(ct);
            if (await row.ReadAsync(ct))
            {
                key = new ApiKeyEntry(row.GetGuid(0), row.GetGuid(1), row.GetFieldValue<string[]>(2),
                    row.IsDBNull(3) ? null : row.GetFieldValue<DateTimeOffset>(3),
                    row.IsDBNull(4) ? null : Array.ConvertAll(row.GetFieldValue<string[]>(4), IPNetwork.Parse),
                    row.GetInt32(5));
            }
        }
        if (_listening)
        {
            if (_byHash.Count >= MaxEntries) Clear();
            _byHash[id] = new Entry(key, time.GetTimestamp());
            if (key is not null) _hashById[key.Id] = id;
            // Checked after the store: an invalidation before this line is seen here, one after it removes the entry itself.
            if (Volatile.Read(ref _epoch) != epoch) _byHash.TryRemove(id, out _);
        }
        return key;
    }

    /// <summary>Key null: no live key has this hash.</summary>
    private readonly record struct Entry(ApiKeyEntry? Key, long LoadedAt);
}
