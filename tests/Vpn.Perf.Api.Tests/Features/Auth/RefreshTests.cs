using System.Net;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class RefreshTests
{
    [Fact]
    public async Task Refresh_LiveToken_RotatesWithinTheSameSession()
    {
        await using var api = await AuthKit.StartAsync(nameof(Refresh_LiveToken_RotatesWithinTheSameSession));
        await AuthKit.SeedUserAsync(api, email: "r@example.com");
        TokenResponse first = await AuthKit.LoginAsync(api, new { email = "r@example.com", password = AuthKit.Password });

        TokenResponse second = await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, first.RefreshToken));
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.True(second.RefreshTokenExpiresAt >= first.RefreshTokenExpiresAt);
        Assert.Equal(HttpStatusCode.OK, (await AuthKit.ClientWith(api, second).GetAsync("/api/v1/auth/me")).StatusCode);

        TokenResponse third = await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, second.RefreshToken));
        Assert.Equal(first.SessionId, third.SessionId);
        // One family: three tokens, all but the newest consumed.
        Assert.Equal(3L, await AuthKit.ScalarAsync<long>(api, "select count(*) from refresh_tokens where session_id = $1", first.SessionId));
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from refresh_tokens where session_id = $1 and consumed_at is null", first.SessionId));
    }

    [Fact]
    public async Task Refresh_RotatedTokenPresentedAgain_RevokesTheWholeFamily()
    {
        await using var api = await AuthKit.StartAsync(nameof(Refresh_RotatedTokenPresentedAgain_RevokesTheWholeFamily));
        await AuthKit.SeedUserAsync(api, email: "victim@example.com");
        TokenResponse stolen = await AuthKit.LoginAsync(api, new { email = "victim@example.com", password = AuthKit.Password });
        TokenResponse otherDevice = await AuthKit.LoginAsync(api, new { email = "victim@example.com", password = AuthKit.Password });
        TokenResponse rotated = await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, stolen.RefreshToken));

        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, stolen.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
        // The newest token of the family dies with it; the user's other device is untouched.
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, rotated.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
        Assert.True(await AuthKit.ScalarAsync<bool>(api, "select revoked_at is not null from auth_sessions where id = $1", stolen.SessionId));
        await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, otherDevice.RefreshToken));
    }

    [Fact]
    public async Task Refresh_TwoRacingWithOneToken_AtMostOneSucceeds()
    {
        await using var api = await AuthKit.StartAsync(nameof(Refresh_TwoRacingWithOneToken_AtMostOneSucceeds));
        await AuthKit.SeedUserAsync(api, email: "race@example.com");
        for (int round = 0; round < 5; round++)
        {
            TokenResponse tokens = await AuthKit.LoginAsync(api, new { email = "race@example.com", password = AuthKit.Password });
            HttpResponseMessage[] answers = await Task.WhenAll(
                Enumerable.Range(0, 4).Select(_ => Task.Run(() => AuthKit.RefreshAsync(api, tokens.RefreshToken))));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            foreach (HttpResponseMessage loser in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
            {
                await ProblemAssert.IsAsync(loser, HttpStatusCode.Unauthorized, "invalid-token");
            }
            // Exactly one successor token was ever issued in the family.
            Assert.Equal(2L, await AuthKit.ScalarAsync<long>(api, "select count(*) from refresh_tokens where session_id = $1", tokens.SessionId));
        }
    }

    [Fact]
    public async Task Refresh_ExpiredRevokedUnknownOrDisabled_AnswersInvalidToken()
    {
        await using var api = await AuthKit.StartAsync(nameof(Refresh_ExpiredRevokedUnknownOrDisabled_AnswersInvalidToken));
        Guid user = await AuthKit.SeedUserAsync(api, email: "e@example.com");
        var login = new { email = "e@example.com", password = AuthKit.Password };

        TokenResponse expired = await AuthKit.LoginAsync(api, login);
        await AuthKit.ExecuteAsync(api, "update auth_sessions set expires_at = now() - interval '1 second' where id = $1", expired.SessionId);
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, expired.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");

        TokenResponse revoked = await AuthKit.LoginAsync(api, login);
        await AuthKit.ExecuteAsync(api, "update auth_sessions set revoked_at = now() where id = $1", revoked.SessionId);
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, revoked.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");

        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, new string('A', 43)), HttpStatusCode.Unauthorized, "invalid-token");
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, "not a token"), HttpStatusCode.Unauthorized, "invalid-token");
        await AuthKit.ValidationAsync(await AuthKit.PostAsync(api.CreateClient(), "refresh", new { }), "refreshToken");

        TokenResponse disabled = await AuthKit.LoginAsync(api, login);
        await AuthKit.ExecuteAsync(api, "update users set disabled = true where id = $1", user);
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, disabled.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
    }

    [Fact]
    public async Task Refresh_ConfiguredLifetime_SetsTheSessionExpiry()
    {
        await using var api = await AuthKit.StartAsync(nameof(Refresh_ConfiguredLifetime_SetsTheSessionExpiry),
            new() { ["Auth:RefreshTokenLifetime"] = "02:00:00" });
        await AuthKit.SeedUserAsync(api, email: "l@example.com");
        DateTimeOffset before = DateTimeOffset.UtcNow;
        TokenResponse tokens = await AuthKit.LoginAsync(api, new { email = "l@example.com", password = AuthKit.Password });
        Assert.InRange(tokens.RefreshTokenExpiresAt, before.AddHours(2).AddSeconds(-1), DateTimeOffset.UtcNow.AddHours(2).AddSeconds(1));
        DateTime stored = await AuthKit.ScalarAsync<DateTime>(api, "select expires_at from auth_sessions where id = $1", tokens.SessionId);
        // Postgres keeps microseconds.
        Assert.True(Math.Abs((tokens.RefreshTokenExpiresAt.UtcDateTime - stored).TotalMilliseconds) < 1, $"{tokens.RefreshTokenExpiresAt:O} vs {stored:O}");
    }
}
