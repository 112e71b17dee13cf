using System.Net;
using System.Net.Http.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class AccountTests
{
    [Fact]
    public async Task Logout_SignedIn_EndsOnlyTheCurrentSession()
    {
        await using var api = await AuthKit.StartAsync(nameof(Logout_SignedIn_EndsOnlyTheCurrentSession));
        await AuthKit.SeedUserAsync(api, email: "out@example.com");
        TokenResponse phone = await AuthKit.LoginAsync(api, new { email = "out@example.com", password = AuthKit.Password });
        TokenResponse laptop = await AuthKit.LoginAsync(api, new { email = "out@example.com", password = AuthKit.Password });

        HttpClient client = AuthKit.ClientWith(api, phone);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        // A second logout with the same access token is not asserted: it answers 204 until the revocation notice
        // arrives and 401 after (RevocationTests).

        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, phone.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
        await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, laptop.RefreshToken));
    }

    [Fact]
    public async Task Me_SignedIn_ReturnsTheAccountWithItsGroups()
    {
        await using var api = await AuthKit.StartAsync(nameof(Me_SignedIn_ReturnsTheAccountWithItsGroups));
        Guid id = await AuthKit.SeedUserAsync(api, username: "root", role: Roles.Superuser);
        Guid gold = Ids.NewId(), alpha = Ids.NewId();
        await AuthKit.ExecuteAsync(api, "insert into groups (id, name) values ($1, 'gold'), ($2, 'alpha'), ($3, 'unrelated')", gold, alpha, Ids.NewId());
        await AuthKit.ExecuteAsync(api, "insert into user_groups values ($1, $2), ($1, $3)", id, gold, alpha);
        TokenResponse tokens = await AuthKit.LoginAsync(api, new { username = "root", password = AuthKit.Password });

        MeResponse me = await AuthKit.ReadAsync<MeResponse>(await AuthKit.ClientWith(api, tokens).GetAsync("/api/v1/auth/me"));
        Assert.Equal(id, me.Id);
        Assert.Equal("root", me.Username);
        Assert.Null(me.Email);
        Assert.Equal(Roles.Superuser, me.Role);
        Assert.Equal([new GroupRef(alpha, "alpha"), new GroupRef(gold, "gold")], me.Groups);
        Assert.InRange(me.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        // A well-signed token of an account that no longer exists.
        await ProblemAssert.IsAsync(await api.ClientAs(Ids.NewId(), Roles.Customer).GetAsync("/api/v1/auth/me"),
            HttpStatusCode.Unauthorized, "invalid-token");
    }

    [Fact]
    public async Task ChangePassword_CurrentPasswordGiven_ChangesItAndEndsOtherSessions()
    {
        await using var api = await AuthKit.StartAsync(nameof(ChangePassword_CurrentPasswordGiven_ChangesItAndEndsOtherSessions));
        Guid id = await AuthKit.SeedUserAsync(api, email: "cp@example.com");
        TokenResponse here = await AuthKit.LoginAsync(api, new { email = "cp@example.com", password = AuthKit.Password });
        TokenResponse elsewhere = await AuthKit.LoginAsync(api, new { email = "cp@example.com", password = AuthKit.Password });

        HttpResponseMessage r = await AuthKit.ClientWith(api, here).PostAsJsonAsync("/api/v1/auth/change-password",
            new { currentPassword = AuthKit.Password, newPassword = "a brand new secret" });
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        await ProblemAssert.IsAsync(await AuthKit.PostAsync(api.CreateClient(), "login", new { email = "cp@example.com", password = AuthKit.Password }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        await AuthKit.LoginAsync(api, new { email = "cp@example.com", password = "a brand new secret" });
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, elsewhere.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
        await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, here.RefreshToken));
        Assert.Equal("""{"revokedSessions": 1}""",
            await AuthKit.ScalarAsync<string>(api, "select meta::text from audit_log where action = 'user.change-password' and actor_id = $1", id));
    }

    [Fact]
    public async Task ChangePassword_InvalidFields_AnswerValidationPerField()
    {
        await using var api = await AuthKit.StartAsync(nameof(ChangePassword_InvalidFields_AnswerValidationPerField));
        await AuthKit.SeedUserAsync(api, email: "cpv@example.com");
        TokenResponse tokens = await AuthKit.LoginAsync(api, new { email = "cpv@example.com", password = AuthKit.Password });
        HttpClient client = AuthKit.ClientWith(api, tokens);
        (object Body, string[] Fields)[] cases =
        [
            (new { newPassword = "a brand new secret" }, ["currentPassword"]),
            (new { currentPassword = "wrong password", newPassword = "a brand new secret" }, ["currentPassword"]),
            (new { currentPassword = AuthKit.Password }, ["newPassword"]),
            (new { currentPassword = AuthKit.Password, newPassword = "too short" }, ["newPassword"]),
            (new { currentPassword = AuthKit.Password, newPassword = new string('ß', 37) }, ["newPassword"]),
            (new { currentPassword = AuthKit.Password, newPassword = AuthKit.Password }, ["newPassword"]),
        ];
        foreach ((object body, string[] fields) in cases)
        {
            await AuthKit.ValidationAsync(await client.PostAsJsonAsync("/api/v1/auth/change-password", body), fields);
        }
        await AuthKit.LoginAsync(api, new { email = "cpv@example.com", password = AuthKit.Password });
    }

    [Fact]
    public async Task Sessions_List_ShowsOwnActiveSessionsWithTheCurrentMarked()
    {
        await using var api = await AuthKit.StartAsync(nameof(Sessions_List_ShowsOwnActiveSessionsWithTheCurrentMarked));
        await AuthKit.SeedUserAsync(api, email: "me@example.com");
        await AuthKit.SeedUserAsync(api, email: "other@example.com");
        TokenResponse a = await AuthKit.LoginAsync(api, new { email = "me@example.com", password = AuthKit.Password, deviceName = "phone" });
        TokenResponse b = await AuthKit.LoginAsync(api, new { email = "me@example.com", password = AuthKit.Password, deviceName = "laptop" });
        TokenResponse ended = await AuthKit.LoginAsync(api, new { email = "me@example.com", password = AuthKit.Password, deviceName = "old" });
        await AuthKit.ClientWith(api, ended).PostAsync("/api/v1/auth/logout", null);
        await AuthKit.LoginAsync(api, new { email = "other@example.com", password = AuthKit.Password });

        HttpClient client = AuthKit.ClientWith(api, a);
        // Newest first by UUIDv7; two sign-ins within one millisecond order by the ids' random bits, as Postgres compares them.
        TokenResponse[] expected = [.. new[] { a, b }.OrderByDescending(t => t.SessionId.ToString(), StringComparer.Ordinal)];
        Page<SessionResponse> page = await AuthKit.ReadAsync<Page<SessionResponse>>(await client.GetAsync("/api/v1/auth/sessions"));
        Assert.Null(page.Next);
        Assert.Equal(expected.Select(t => t.SessionId), page.Items.Select(s => s.Id));
        Assert.Equal(expected.Select(t => t == a ? "phone" : "laptop"), page.Items.Select(s => s.Device));
        Assert.Equal(expected.Select(t => t == a), page.Items.Select(s => s.Current));

        Page<SessionResponse> first = await AuthKit.ReadAsync<Page<SessionResponse>>(await client.GetAsync("/api/v1/auth/sessions?limit=1"));
        Assert.Equal([expected[0].SessionId], first.Items.Select(s => s.Id));
        Page<SessionResponse> second = await AuthKit.ReadAsync<Page<SessionResponse>>(await client.GetAsync($"/api/v1/auth/sessions?limit=1&after={first.Next}"));
        Assert.Equal([expected[1].SessionId], second.Items.Select(s => s.Id));
        Assert.Null(second.Next);
    }

    [Fact]
    public async Task Sessions_Revoke_EndsOwnAndAnswers404ForSomeoneElses()
    {
        await using var api = await AuthKit.StartAsync(nameof(Sessions_Revoke_EndsOwnAndAnswers404ForSomeoneElses));
        await AuthKit.SeedUserAsync(api, email: "me@example.com");
        await AuthKit.SeedUserAsync(api, email: "other@example.com");
        TokenResponse mine = await AuthKit.LoginAsync(api, new { email = "me@example.com", password = AuthKit.Password });
        TokenResponse myOther = await AuthKit.LoginAsync(api, new { email = "me@example.com", password = AuthKit.Password });
        TokenResponse theirs = await AuthKit.LoginAsync(api, new { email = "other@example.com", password = AuthKit.Password });
        HttpClient client = AuthKit.ClientWith(api, mine);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/auth/sessions/{myOther.SessionId}")).StatusCode);
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, myOther.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");

        await ProblemAssert.IsAsync(await client.DeleteAsync($"/api/v1/auth/sessions/{theirs.SessionId}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.DeleteAsync($"/api/v1/auth/sessions/{Ids.NewId()}"), HttpStatusCode.NotFound, "not-found");
        await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, theirs.RefreshToken));
        await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, mine.RefreshToken));
    }

    [Fact]
    public async Task SignedInEndpoints_Anonymous_Answer401()
    {
        await using var api = await AuthKit.StartAsync(nameof(SignedInEndpoints_Anonymous_Answer401));
        HttpClient client = api.CreateClient();
        HttpResponseMessage[] answers =
        [
            await client.PostAsync("/api/v1/auth/logout", null),
            await client.GetAsync("/api/v1/auth/me"),
            await client.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = AuthKit.Password, newPassword = "a brand new secret" }),
            await client.GetAsync("/api/v1/auth/sessions"),
            await client.DeleteAsync($"/api/v1/auth/sessions/{Ids.NewId()}"),
        ];
        foreach (HttpResponseMessage r in answers)
        {
            await ProblemAssert.IsAsync(r, HttpStatusCode.Unauthorized, "unauthenticated");
        }
    }
}
