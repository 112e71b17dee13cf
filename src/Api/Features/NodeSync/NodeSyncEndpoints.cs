using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Npgsql;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// <c>GET /api/v1/node/sync</c>: what a node must accept on its active inbounds (docs/node-sync.md). Authenticated by
/// the node token (<see cref="NodeTokenFilter"/>), not by JWT. The ETag is a hash of the document; an unchanged node
/// (same sync version, no expiry passed since) is answered 304 from memory after the token lookup.
/// </summary>
internal static class NodeSyncEndpoints
{
    public static RouteGroupBuilder MapNodeSync(this IEndpointRouteBuilder app)
    {
        // Not JWT endpoints: the fallback policy must not demand a user; NodeTokenFilter demands a node instead.
        RouteGroupBuilder g = app.MapGroup("/api/v1/node").WithTags("Node sync").AllowAnonymous().AddEndpointFilter<NodeTokenFilter>();
        g.MapGet("/sync", GetNodeSync).WithName(nameof(GetNodeSync))
            .WithSummary("The subscriptions allowed on the calling node's active inbounds, with credentials and speed limits, and the WireGuard peers "
                + "of its wireguard inbounds (node token; ETag/If-None-Match).")
            .Produces<NodeSyncDocument>(StatusCodes.Status200OK, "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return g;
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult>> GetNodeSync(
        HttpContext http, NpgsqlDataSource db, NodeSyncCache cache, PeerKeyProtector peerKeys, TimeProvider time, ILogger<NodeSyncCache> logger,
        CancellationToken ct)
    {
        NodeCaller caller = NodeCaller.From(http);
        DateTimeOffset now = time.GetUtcNow();
        http.Response.Headers.CacheControl = "private, no-cache";
        if (cache.TryGet(caller.NodeId, caller.SyncVersion, now, out string cached) && Matches(http, cached))
        {
            http.Response.Headers.ETag = cached;
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        // The version was read before the document: a change committed in between leaves the cache at the older
        // version, so the next request rebuilds rather than serving a stale ETag.
        (NodeSyncDocument document, DateTimeOffset validUntil) = await BuildAsync(db, peerKeys, logger, caller.NodeId, now, ct);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(document, NodeSyncJsonContext.Default.NodeSyncDocument);
        string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16)) + "\"";
        cache.Set(caller.NodeId, caller.SyncVersion, etag, validUntil);
        http.Response.Headers.ETag = etag;
        if (Matches(http, etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(body, "application/json");
    }

    /// <summary>The document as of <paramref name="now"/>, and the first instant it stops being right by time alone.</summary>
    private static async Task<(NodeSyncDocument, DateTimeOffset)> BuildAsync(NpgsqlDataSource db, PeerKeyProtector peerKeys, ILogger logger, Guid nodeId,
        DateTimeOffset now, CancellationToken ct)
    {
        (List<NodeSyncStore.InboundRow> rows, List<NodeSyncStore.UserRow> allowed, List<NodeSyncStore.PeerRow> peerRows) =
            await NodeSyncStore.ReadAsync(db, nodeId, now, ct);
        var users = new Dictionary<Guid, List<NodeSyncUser>>();
        var inbounds = new Dictionary<Guid, NodeSyncStore.InboundRow>();
        foreach (NodeSyncStore.InboundRow inbound in rows)
        {
            users[inbound.Id] = [];
            inbounds[inbound.Id] = inbound;
        }
        DateTimeOffset validUntil = DateTimeOffset.MaxValue;
        foreach (NodeSyncStore.UserRow user in allowed)
        {
            NodeSyncStore.InboundRow inbound = inbounds[user.InboundId];
            if (user.ExpiresAt is { } e && e < validUntil) validUntil = e;
            if (Credentials(inbound.Protocol, inbound.Method, user.Secret) is not { } credentials) continue;
            users[inbound.Id].Add(new NodeSyncUser(user.SubscriptionId, credentials.Uuid, credentials.Password, user.MaxSpeed, user.ExpiresAt));
        }
        Dictionary<Guid, NodeSyncWireGuard> wireGuard = WireGuardInterfaces(rows, peerRows, peerKeys, logger, ref validUntil);
        var document = new NodeSyncDocument(nodeId, [.. rows.Select(i => new NodeSyncInbound(i.Id, i.Tag, i.Protocol, i.Port, i.Method, users[i.Id],
            wireGuard.GetValueOrDefault(i.Id)))]);
        return (document, validUntil);
    }

    /// <summary>
    /// Each WireGuard inbound's interface: the node's addresses and the allowed peers, a peer's allowed IPs computed from the
    /// pools as the config renderer computes its addresses. A peer whose preshared key cannot be decrypted is left out
    /// (logged): without it the handshake would fail anyway. An inbound whose settings no longer parse gets no interface.
    /// </summary>
    private static Dictionary<Guid, NodeSyncWireGuard> WireGuardInterfaces(List<NodeSyncStore.InboundRow> rows, List<NodeSyncStore.PeerRow> peerRows,
        PeerKeyProtector peerKeys, ILogger logger, ref DateTimeOffset validUntil)
    {
        var settings = new Dictionary<Guid, WireGuardSettings>();
        var peers = new Dictionary<Guid, List<NodeSyncPeer>>();
        foreach (NodeSyncStore.InboundRow inbound in rows)
        {
            if (inbound.WireGuardSettings is null) continue;
            // Host, network and tls do not shape the interface; the values that pass keep the parse about the settings.
            if (InboundSpec.TryParse(inbound.Protocol, "node.invalid", inbound.Port, "udp", "none", inbound.WireGuardSettings, out InboundSpec? spec, out _)
                && spec.Settings is WireGuardSettings wg)
            {
                settings[inbound.Id] = wg;
                peers[inbound.Id] = [];
            }
        }
        foreach (NodeSyncStore.PeerRow p in peerRows)
        {
            if (!settings.TryGetValue(p.InboundId, out WireGuardSettings? wg) || p.AddressIndex > wg.LastPeerIndex) continue;
            string? psk = null;
            if (p.PresharedKey is { } blob
                && (psk = peerKeys.UnprotectToBase64(p.KeyId, blob, p.SubscriptionId, p.InboundId, PeerSecret.PresharedKey)) is null)
            {
                WireGuardLog.PeerUnreadable(logger, p.SubscriptionId, p.InboundId, p.KeyId);
                continue;
            }
            if (p.ExpiresAt is { } e && e < validUntil) validUntil = e;
            peers[p.InboundId].Add(new NodeSyncPeer(p.SubscriptionId, p.PublicKey, wg.PeerAddresses(p.AddressIndex), psk, p.MaxSpeed, p.ExpiresAt));
        }
        var interfaces = new Dictionary<Guid, NodeSyncWireGuard>();
        foreach ((Guid id, WireGuardSettings wg) in settings)
        {
            var address = new List<string>(2);
            if (wg.Ipv4Pool is { } v4) address.Add(v4.NodeInterface);
            if (wg.Ipv6Pool is { } v6) address.Add(v6.NodeInterface);
            interfaces[id] = new NodeSyncWireGuard(address, peers[id]);
        }
        return interfaces;
    }

    /// <summary>
    /// What the protocol authenticates with, from the one derivation the config renderer also uses; null for a secret
    /// that is not a UUID (never written by the Api), so one bad row cannot break a node's whole sync.
    /// </summary>
    private static (string? Uuid, string? Password)? Credentials(string protocol, string? method, string secret)
    {
        if (!Guid.TryParse(secret, out _)) return null;
        return protocol switch
        {
            "vless" or "vmess" => (SubscriptionCredentials.Uuid(secret), null),
            "tuic" => (SubscriptionCredentials.Uuid(secret), SubscriptionCredentials.Password(secret)),
            "trojan" or "hysteria2" => (null, SubscriptionCredentials.Password(secret)),
            "shadowsocks" when method is not null && method.StartsWith("2022-", StringComparison.Ordinal)
                => (null, SubscriptionCredentials.Shadowsocks2022UserKey(method, secret)),
            "shadowsocks" => (null, SubscriptionCredentials.Password(secret)),
            _ => null,
        };
    }

    private static bool Matches(HttpContext http, string etag)
    {
        IList<EntityTagHeaderValue> candidates = http.Request.GetTypedHeaders().IfNoneMatch;
        if (candidates.Count == 0) return false;
        var current = new EntityTagHeaderValue(etag);
        foreach (EntityTagHeaderValue candidate in candidates)
        {
            // If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
            if (candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(current, useStrongComparison: false)) return true;
        }
        return false;
    }
}
