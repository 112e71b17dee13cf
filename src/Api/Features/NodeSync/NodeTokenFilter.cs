using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
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
        if (await NodeSyncStore.AuthenticateAsync(db, hash, http.RequestAborted) is not { } caller)
        {
            return Refuse(http, ProblemTypes.InvalidToken, "The node token is unknown or revoked.");
        }
        caller.Attach(http);
        return await next(context);
    }

    private static ProblemHttpResult Refuse(HttpContext http, ProblemType type, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem.Of(type, detail);
    }
}
