using Microsoft.IdentityModel.JsonWebTokens;
using Npgsql;
using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// Sessions (refresh-token families) and their tokens: starts and rotates them; the SQL is <see cref="AuthStore"/>'s.
/// A refresh token is an <see cref="OpaqueToken"/>; only its SHA-256 is stored. Each refresh consumes the presented
/// token and issues the next one of the same family; a consumed token presented again means it leaked (or a client
/// raced itself), so the whole family ends.
/// </summary>
internal sealed partial class SessionTokens(NpgsqlDataSource db, AccessTokenIssuer accessTokens, AuthOptions options, TimeProvider time, ILogger<SessionTokens> logger)
{
    /// <summary>Opens a session for a user inside the caller's transaction and returns its first tokens.</summary>
    public async Task<TokenResponse> StartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, string role, string device,
        CancellationToken ct)
    {
        DateTimeOffset now = time.GetUtcNow();
        var sessionId = Guid.CreateVersion7(now);
        (string token, byte[] hash) = OpaqueToken.New();
        DateTimeOffset expires = now + options.RefreshTokenLifetime;
        await AuthStore.StartSessionAsync(connection, transaction, sessionId, userId, device, hash, now, expires, now - options.RefreshTokenLifetime, ct);
        return Respond(userId, role, sessionId, token, expires);
    }

    /// <summary>Rotates a refresh token: the new tokens, or why the presented one is refused.</summary>
    public async Task<(TokenResponse? Tokens, RefreshFailure Failure)> RefreshAsync(string presented, CancellationToken ct)
    {
        byte[]? hash = OpaqueToken.HashOf(presented);
        if (hash is null) return (null, RefreshFailure.Unknown);

        DateTimeOffset now = time.GetUtcNow();
        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);

        if (await AuthStore.ConsumeRefreshTokenAsync(connection, tx, hash, now, ct) is not { } c) return (null, await RevokeIfReusedAsync(connection, tx, hash, now, ct));
        if (!c.Alive || c.Disabled)
        {
            await tx.RollbackAsync(ct);
            return (null, c.Disabled ? RefreshFailure.Disabled : RefreshFailure.Ended);
        }

        (string token, byte[] nextHash) = OpaqueToken.New();
        DateTimeOffset expires = now + options.RefreshTokenLifetime;
        await AuthStore.RotateAsync(connection, tx, c.SessionId, nextHash, now, expires, ct);
        await tx.CommitAsync(ct);
        return (Respond(c.UserId, c.Role, c.SessionId, token, expires), RefreshFailure.None);
    }

    private async Task<RefreshFailure> RevokeIfReusedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, byte[] hash, DateTimeOffset now, CancellationToken ct)
    {
        RefreshFailure failure = RefreshFailure.Unknown;
        if (await AuthStore.RevokeReusedFamilyAsync(connection, tx, hash, now, ct) is { } family)
        {
            LogReuse(logger, family.SessionId, family.UserId);
            failure = RefreshFailure.Reused;
        }
        await tx.CommitAsync(ct);
        return failure;
    }

    private TokenResponse Respond(Guid userId, string role, Guid sessionId, string refreshToken, DateTimeOffset refreshExpires)
    {
        string access = accessTokens.Issue(userId, role, sessionId);
        // Read back from the token so the answer matches its `exp` to the second.
        var expires = new DateTimeOffset(new JsonWebToken(access).ValidTo, TimeSpan.Zero);
        return new TokenResponse(access, expires, refreshToken, refreshExpires, sessionId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A consumed refresh token was presented again; session {SessionId} of user {UserId} is revoked.")]
    private static partial void LogReuse(ILogger logger, Guid sessionId, Guid userId);
}
