using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Npgsql;
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
            .WithSummary("The subscriptions allowed on the calling node's active inbounds, with credentials and speed limits (node token; ETag/If-None-Match).")
            .Produces<NodeSyncDocument>(StatusCodes.Status200OK, "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return g;
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult>> GetNodeSync(
        HttpContext http, NpgsqlDataSource db, NodeSyncCache cache, TimeProvider time, CancellationToken ct)
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
        (NodeSyncDocument document, DateTimeOffset validUntil) = await BuildAsync(db, caller.NodeId, now, ct);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(document, NodeSyncJsonContext.Default.NodeSyncDocument);
        string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16)) + "\"";
        cache.Set(caller.NodeId, caller.SyncVersion, etag, validUntil);
        http.Response.Headers.ETag = etag;
        if (Matches(http, etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(body, "application/json");
    }

    /// <summary>The document as of <paramref name="now"/>, and the first instant it stops being right by time alone.</summary>
    private static async Task<(NodeSyncDocument, DateTimeOffset)> BuildAsync(NpgsqlDataSource db, Guid nodeId, DateTimeOffset now, CancellationToken ct)
    {
        (List<NodeSyncStore.InboundRow> rows, List<NodeSyncStore.UserRow> allowed) = await NodeSyncStore.ReadAsync(db, nodeId, now, ct);
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
        var document = new NodeSyncDocument(nodeId, [.. rows.Select(i => new NodeSyncInbound(i.Id, i.Tag, i.Protocol, i.Port, i.Method, users[i.Id]))]);
        return (document, validUntil);
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
