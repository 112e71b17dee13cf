using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>The statements on WireGuard peers (0020), run on the caller's connection and transaction.</summary>
internal static class WireGuardStore
{
    /// <summary>
    /// $1 subscription: its links to WireGuard inbounds that have no peer yet, in inbound id order, each inbound row locked
    /// (FOR NO KEY UPDATE: it does not block the FK checks of other links, but does serialise allocations and pool edits on
    /// the inbound). Locks are taken in id order, so two transactions provisioning several inbounds cannot deadlock.
    /// </summary>
    private const string MissingSql = """
        select i.id, i.host, i.port, i.network, i.tls, i.settings::text
        from subscription_inbounds si
        join inbounds i on i.id = si.inbound_id
        where si.subscription_id = $1 and i.protocol = 'wireguard'
          and not exists (select 1 from wireguard_peers p where p.subscription_id = si.subscription_id and p.inbound_id = si.inbound_id)
        order by i.id
        for no key update of i
        """;

    /// <summary>
    /// Allocates the lowest free index (from 2 up to $3) of inbound $2 for subscription $1 and inserts the peer ($4 public
    /// key, $5 private key blob, $6 preshared key blob or null, $7 key id). The candidates are 2 and every taken index + 1, so
    /// the statement reads the inbound's peers once through the (inbound_id, address_index) index. Answers the free index
    /// (null: the pool is full) and the inserted one (null also when a concurrent transaction made this peer first).
    /// </summary>
    private const string AllocateSql = """
        with free as (
            select min(c.i) as i
            from (select 2 as i union all select address_index + 1 from wireguard_peers where inbound_id = $2) c
            where c.i <= $3 and not exists (select 1 from wireguard_peers q where q.inbound_id = $2 and q.address_index = c.i)),
        added as (
            insert into wireguard_peers (subscription_id, inbound_id, address_index, public_key, private_key, preshared_key, key_id)
            select $1, $2, free.i, $4, $5, $6, $7 from free where free.i is not null
            on conflict (subscription_id, inbound_id) do nothing
            returning address_index)
        select (select i from free), (select address_index from added)
        """;

    /// <summary>$1 inbound, locked for the rest of the transaction: its protocol, how many links it has, and its highest peer index (0: none).</summary>
    private const string InboundStateSql = """
        select i.protocol,
               (select count(*) from subscription_inbounds si where si.inbound_id = i.id),
               coalesce((select max(p.address_index) from wireguard_peers p where p.inbound_id = i.id), 0)
        from inbounds i where i.id = $1
        for no key update
        """;

    public static async Task<List<MissingPeer>> MissingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(MissingSql, conn, tx);
        cmd.Arg(subscriptionId, NpgsqlDbType.Uuid);
        var rows = new List<MissingPeer>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add(new MissingPeer(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5)));
        return rows;
    }

    /// <summary>False when inbound's pool has no index left up to <paramref name="lastIndex"/>.</summary>
    public static async Task<bool> AllocateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, Guid inboundId, int lastIndex,
        string publicKey, byte[] privateKey, byte[]? presharedKey, string keyId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(AllocateSql, conn, tx);
        cmd.Arg(subscriptionId, NpgsqlDbType.Uuid).Arg(inboundId, NpgsqlDbType.Uuid).Arg(lastIndex, NpgsqlDbType.Integer).Arg(publicKey, NpgsqlDbType.Text)
            .Arg(privateKey, NpgsqlDbType.Bytea).Arg(presharedKey, NpgsqlDbType.Bytea).Arg(keyId, NpgsqlDbType.Text);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return !r.IsDBNull(0);
    }

    /// <summary>The inbound's protocol, link count and highest peer index, its row locked against allocations; null when there is no such inbound.</summary>
    public static async Task<(string Protocol, long Links, int MaxIndex)?> InboundStateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid inboundId,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InboundStateSql, conn, tx);
        cmd.Arg(inboundId, NpgsqlDbType.Uuid);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetString(0), r.GetInt64(1), r.GetInt32(2)) : null;
    }

    /// <summary>A WireGuard inbound a subscription is linked to without a peer, with the columns its spec is parsed from.</summary>
    internal sealed record MissingPeer(Guid InboundId, string Host, int Port, string Network, string Tls, string Settings);
}
