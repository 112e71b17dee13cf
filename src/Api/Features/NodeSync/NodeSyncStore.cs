using Npgsql;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>Node sync's statements: the token lookup of every request, and the two reads a document is built from.</summary>
internal static class NodeSyncStore
{
    // Two unique-index lookups (node_tokens.key_hash, node_sync primary key): the whole cost of an unchanged sync.
    private const string AuthenticateSql = """
        select t.node_id, t.id, coalesce(v.version, 0) from node_tokens t
        left join node_sync v on v.node_id = t.node_id
        where t.key_hash = $1 and t.revoked_at is null
        """;

    // WireGuard inbounds bring their settings: the peers' allowed IPs come from the pools.
    private const string InboundsSql = """
        select id, tag, protocol, port, settings->>'method', case when protocol = 'wireguard' then settings::text end
        from inbounds where node_id = $1 and is_active order by id
        """;

    // Who may connect: linked, not suspended, not over limit, not expired at $2, owner not disabled; the speed limit is
    // the effective one (own value, else the owner's groups; subscription_limits, 0002).
    private const string UsersSql = """
        select si.inbound_id, s.id, s.secret, l.max_speed, s.expires_at
        from inbounds i
        join subscription_inbounds si on si.inbound_id = i.id
        join subscriptions s on s.id = si.subscription_id
        join users u on u.id = s.owner_id
        join subscription_limits l on l.subscription_id = s.id
        where i.node_id = $1 and i.is_active
          and not s.is_suspended and not s.is_over_limit and not u.disabled
          and (s.expires_at is null or s.expires_at > $2)
        order by si.inbound_id, s.id
        """;

    // The peers of the node's WireGuard inbounds, allowed by the same rules as UsersSql (the keys still encrypted).
    private const string PeersSql = """
        select p.inbound_id, s.id, p.public_key, p.address_index, p.preshared_key, p.key_id, l.max_speed, s.expires_at
        from inbounds i
        join wireguard_peers p on p.inbound_id = i.id
        join subscriptions s on s.id = p.subscription_id
        join users u on u.id = s.owner_id
        join subscription_limits l on l.subscription_id = s.id
        where i.node_id = $1 and i.is_active and i.protocol = 'wireguard'
          and not s.is_suspended and not s.is_over_limit and not u.disabled
          and (s.expires_at is null or s.expires_at > $2)
        order by p.inbound_id, s.id
        """;

    /// <summary>The node an unrevoked token's key hash belongs to, with the node's sync version; null for an unknown or revoked token.</summary>
    public static async Task<NodeCaller?> AuthenticateAsync(NpgsqlDataSource db, byte[] keyHash, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(AuthenticateSql);
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = keyHash });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new NodeCaller(r.GetGuid(0), r.GetGuid(1), r.GetInt64(2)) : null;
    }

    /// <summary>
    /// The node's active inbounds and, in one round, who may use each at <paramref name="now"/> and the WireGuard peers
    /// (users and peers of an inbound deactivated between the statements are left out: its version bump forces a rebuild).
    /// </summary>
    public static async Task<(List<InboundRow> Inbounds, List<UserRow> Users, List<PeerRow> Peers)> ReadAsync(NpgsqlDataSource db, Guid nodeId, DateTimeOffset now,
        CancellationToken ct)
    {
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(InboundsSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(UsersSql)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId }, new NpgsqlParameter<DateTimeOffset> { TypedValue = now } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PeersSql)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId }, new NpgsqlParameter<DateTimeOffset> { TypedValue = now } },
        });
        await using NpgsqlDataReader r = await batch.ExecuteReaderAsync(ct);
        var inbounds = new List<InboundRow>();
        var known = new HashSet<Guid>();
        while (await r.ReadAsync(ct))
        {
            inbounds.Add(new InboundRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5)));
            known.Add(r.GetGuid(0));
        }
        await r.NextResultAsync(ct);
        var users = new List<UserRow>();
        while (await r.ReadAsync(ct))
        {
            if (!known.Contains(r.GetGuid(0))) continue;
            users.Add(new UserRow(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)));
        }
        await r.NextResultAsync(ct);
        var peers = new List<PeerRow>();
        while (await r.ReadAsync(ct))
        {
            if (!known.Contains(r.GetGuid(0))) continue;
            peers.Add(new PeerRow(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetFieldValue<byte[]>(4), r.GetString(5),
                r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7)));
        }
        return (inbounds, users, peers);
    }

    /// <summary>An active inbound; <see cref="Method"/> is its shadowsocks method, <see cref="WireGuardSettings"/> a WireGuard inbound's settings JSON (else null).</summary>
    internal readonly record struct InboundRow(Guid Id, string Tag, string Protocol, int Port, string? Method, string? WireGuardSettings);

    /// <summary>An allowed WireGuard peer; <see cref="PresharedKey"/> is the encrypted blob (null: none), under <see cref="KeyId"/>.</summary>
    internal readonly record struct PeerRow(Guid InboundId, Guid SubscriptionId, string PublicKey, int AddressIndex, byte[]? PresharedKey, string KeyId,
        long? MaxSpeed, DateTimeOffset? ExpiresAt);

    /// <summary>A subscription allowed on an inbound, with its proxy secret and effective speed limit.</summary>
    internal readonly record struct UserRow(Guid InboundId, Guid SubscriptionId, string Secret, long? MaxSpeed, DateTimeOffset? ExpiresAt);
}
