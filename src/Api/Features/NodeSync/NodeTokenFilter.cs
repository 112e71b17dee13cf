using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Features.Nodes;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// Authenticates a node by its token (<c>Authorization: Bearer &lt;key&gt;</c>): the SHA-256 of the key must be an
/// unrevoked <c>node_tokens.key_hash</c>. Looked up in Postgres, not Redis, so a revocation is effective at its
/// commit. The endpoint is AllowAnonymous for the JWT fallback policy; this filter is its authorization.
/// </summary>
internal sealed class NodeTokenFilter(NpgsqlDataSource db) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        string? header = http.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(http, ProblemTypes.Unauthenticated, "Send the node token as 'Authorization: Bearer <key>'.");
        }
        if (!NodeTokenKey.TryHash(header.AsSpan(7).Trim(), out byte[] hash))
        {
            return Refuse(http, ProblemTypes.InvalidToken, "The node token is not valid.");
        }
        await using (NpgsqlCommand cmd = db.CreateCommand(NodeSyncSql.Authenticate))
        {
            cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
            await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(http.RequestAborted);
            if (!await r.ReadAsync(http.RequestAborted))
            {
                return Refuse(http, ProblemTypes.InvalidToken, "The node token is unknown or revoked.");
            }
            new NodeCaller(r.GetGuid(0), r.GetGuid(1), r.GetInt64(2)).Attach(http);
        }
        return await next(context);
    }

    private static ProblemHttpResult Refuse(HttpContext http, ProblemType type, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem.Of(type, detail);
    }
}
