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
    internal static async Task<(NodeSyncDocument, DateTimeOffset)> BuildAsync(NpgsqlDataSource db, Guid nodeId, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NodeSyncSql.Inbounds) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NodeSyncSql.Users)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId }, new NpgsqlParameter<DateTimeOffset> { TypedValue = now } },
        });
        await using NpgsqlDataReader r = await batch.ExecuteReaderAsync(ct);
        var inbounds = new List<(Guid Id, string Tag, string Protocol, int Port, string? Method, List<NodeSyncUser> Users)>();
        var byId = new Dictionary<Guid, int>();
        while (await r.ReadAsync(ct))
        {
            byId[r.GetGuid(0)] = inbounds.Count;
            inbounds.Add((r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4), []));
        }
        await r.NextResultAsync(ct);
        DateTimeOffset validUntil = DateTimeOffset.MaxValue;
        while (await r.ReadAsync(ct))
        {
            // An inbound deactivated between the two statements: its users go with it (its version bump forces a rebuild).
            if (!byId.TryGetValue(r.GetGuid(0), out int index)) continue;
            var inbound = inbounds[index];
            DateTimeOffset? expiresAt = r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4);
            if (expiresAt is { } e && e < validUntil) validUntil = e;
            if (Credentials(inbound.Protocol, inbound.Method, r.GetString(2)) is not { } credentials) continue;
            inbound.Users.Add(new NodeSyncUser(r.GetGuid(1), credentials.Uuid, credentials.Password, r.IsDBNull(3) ? null : r.GetInt64(3), expiresAt));
        }
        var document = new NodeSyncDocument(nodeId, [.. inbounds.Select(i => new NodeSyncInbound(i.Id, i.Tag, i.Protocol, i.Port, i.Method, i.Users))]);
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
