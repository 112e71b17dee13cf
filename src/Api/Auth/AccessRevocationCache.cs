using System.Collections.Concurrent;
using Npgsql;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Whether an access token's session and account still allow it, answered from memory: per session whether it was
/// revoked, per user the current role and the disabled flag. Entries are loaded on first sight (one query for both)
/// and dropped by <see cref="AccessRevocationListener"/> when Postgres NOTIFYs a change (every Api instance hears
/// it), so logout, a reuse revocation, a password change, a disabled account or a new role ends the old access
/// tokens within a notice's delay, with no query per request. Entries are stored only while the LISTEN is up and
/// live at most <see cref="JwtOptions.RevocationCacheMaxAge"/>, the backstop for a lost notice. A token minted for
/// an id with no account (tests; real tokens only come from a sign-in) is judged by its session alone. API keys read
/// their user's current role here too (<see cref="ActiveRoleAsync"/>), so the same notices end or narrow them.
/// </summary>
internal sealed class AccessRevocationCache(NpgsqlDataSource db, JwtOptions options, TimeProvider time)
{
    private const int MaxEntries = 100_000; // per map; beyond it the map starts over (a reload is one cheap query)

    private const string LoadSql = """
        select u.role, u.disabled, s.revoked_at is not null
        from (select $1::uuid as user_id, $2::uuid as session_id) k
        left join users u on u.id = k.user_id
        left join auth_sessions s on s.id = k.session_id
        """;

    private readonly ConcurrentDictionary<Guid, SessionState> _sessions = new();
    private readonly ConcurrentDictionary<Guid, UserState> _users = new();
    // Deleted accounts: no row is left to load, so the notice itself is kept until every token of theirs has expired.
    private readonly ConcurrentDictionary<Guid, long> _deleted = new();
    private long _epoch;
    private volatile bool _listening;

    /// <summary>True while invalidations are being received; nothing is stored otherwise.</summary>
    public bool IsListening => _listening;

    public int Count => _sessions.Count + _users.Count;

    /// <summary>False when the session was revoked, or the account is disabled, deleted or has another role than the token.</summary>
    public ValueTask<bool> IsAllowedAsync(Guid userId, Guid? sessionId, string role, CancellationToken ct)
    {
        long now = time.GetTimestamp();
        if (IsDeleted(userId, now)) return new(false);
        if (_users.TryGetValue(userId, out UserState user) && Fresh(user.LoadedAt, now))
        {
            if (sessionId is not { } sid) return new(Allows(user, revoked: false, role));
            if (_sessions.TryGetValue(sid, out SessionState session) && Fresh(session.LoadedAt, now)) return new(Allows(user, session.Revoked, role));
        }
        return LoadAsync(userId, sessionId, role, ct);
    }

    public void EvictSession(Guid id)
    {
        Interlocked.Increment(ref _epoch);
        _sessions.TryRemove(id, out _);
    }

    public void EvictUser(Guid id)
    {
        Interlocked.Increment(ref _epoch);
        _users.TryRemove(id, out _);
    }

    public void UserDeleted(Guid id)
    {
        _deleted[id] = time.GetTimestamp();
        EvictUser(id);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        _sessions.Clear();
        _users.Clear();
    }

    /// <summary>Called by the listener: on with a fresh LISTEN (and an empty cache), off the moment it is lost.</summary>
    public void SetListening(bool listening)
    {
        _listening = listening;
        Clear();
    }

    /// <summary>
    /// The account's current role, or null when it is disabled, deleted or absent: what an API key of the account may
    /// act as (<see cref="ApiKeys.ApiKeyAuthenticationHandler"/>), from the same entries and notices as access tokens.
    /// </summary>
    public ValueTask<string?> ActiveRoleAsync(Guid userId, CancellationToken ct)
    {
        long now = time.GetTimestamp();
        if (IsDeleted(userId, now)) return new((string?)null);
        if (_users.TryGetValue(userId, out UserState user) && Fresh(user.LoadedAt, now)) return new(ActiveRole(user));
        return LoadRoleAsync(userId, ct);
    }

    private async ValueTask<string?> LoadRoleAsync(Guid userId, CancellationToken ct)
        => ActiveRole((await LoadStateAsync(userId, null, ct)).User);

    private static string? ActiveRole(UserState user) => user.Disabled ? null : user.Role;

    private async ValueTask<bool> LoadAsync(Guid userId, Guid? sessionId, string role, CancellationToken ct)
    {
        (UserState user, bool revoked) = await LoadStateAsync(userId, sessionId, ct);
        return Allows(user, revoked, role);
    }

    private async ValueTask<(UserState User, bool Revoked)> LoadStateAsync(Guid userId, Guid? sessionId, CancellationToken ct)
    {
        long epoch = Volatile.Read(ref _epoch);
        UserState user;
        bool revoked;
        await using (NpgsqlCommand cmd = db.CreateCommand(LoadSql))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId is { } s ? s : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            await using NpgsqlDataReader row = await cmd.ExecuteReaderAsync(ct);
            await row.ReadAsync(ct);
            long loadedAt = time.GetTimestamp();
            user = new UserState(row.IsDBNull(0) ? null : row.GetString(0), !row.IsDBNull(1) && row.GetBoolean(1), loadedAt);
            revoked = !row.IsDBNull(2) && row.GetBoolean(2);
        }
        if (_listening)
        {
            Store(_users, userId, user);
            if (sessionId is { } sid) Store(_sessions, sid, new SessionState(revoked, user.LoadedAt));
            // Checked after the stores: an invalidation before this line is seen here, one after it removes the entries itself.
            if (Volatile.Read(ref _epoch) != epoch)
            {
                _users.TryRemove(userId, out _);
                if (sessionId is { } racing) _sessions.TryRemove(racing, out _);
            }
        }
        return (user, revoked);
    }

    private static void Store<T>(ConcurrentDictionary<Guid, T> map, Guid id, T value)
    {
        if (map.Count >= MaxEntries) map.Clear();
        map[id] = value;
    }

    private static bool Allows(UserState user, bool revoked, string role)
        => !revoked && !user.Disabled && (user.Role is null || string.Equals(user.Role, role, StringComparison.Ordinal));

    private bool Fresh(long loadedAt, long now) => time.GetElapsedTime(loadedAt, now) < options.RevocationCacheMaxAge;

    private bool IsDeleted(Guid userId, long now)
    {
        if (_deleted.IsEmpty || !_deleted.TryGetValue(userId, out long at)) return false;
        if (time.GetElapsedTime(at, now) < options.AccessTokenLifetime + options.ClockSkew) return true;
        _deleted.TryRemove(userId, out _);
        return false;
    }

    private readonly record struct SessionState(bool Revoked, long LoadedAt);

    /// <summary>Role null: no account has this id.</summary>
    private readonly record struct UserState(string? Role, bool Disabled, long LoadedAt);
}
