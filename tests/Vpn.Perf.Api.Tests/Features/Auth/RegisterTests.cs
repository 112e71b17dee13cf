using System.Net;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class RegisterTests
{
    [Fact]
    public async Task Register_NewEmail_CreatesCustomerAndSignsIn()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_NewEmail_CreatesCustomerAndSignsIn));
        HttpResponseMessage r = await AuthKit.PostAsync(api.CreateClient(), "register",
            new { email = "  New.User@Example.COM ", password = AuthKit.Password, deviceName = "Pixel 8" });
        TokenResponse tokens = await AuthKit.ReadTokensAsync(r, HttpStatusCode.Created);
        Assert.Equal("/api/v1/auth/me", r.Headers.Location?.OriginalString);

        MeResponse me = await AuthKit.ReadAsync<MeResponse>(await AuthKit.ClientWith(api, tokens).GetAsync("/api/v1/auth/me"));
        Assert.Equal("new.user@example.com", me.Email);
        Assert.Null(me.Username);
        Assert.Equal(Roles.Customer, me.Role);
        Assert.Equal("Pixel 8", await AuthKit.ScalarAsync<string>(api, "select device from auth_sessions where id = $1", tokens.SessionId));
        // bcrypt at the configured cost (4 in tests), not the default 12.
        Assert.StartsWith("$2b$04$", await AuthKit.ScalarAsync<string>(api, "select password_hash from users where id = $1", me.Id), StringComparison.Ordinal);

        TokenResponse again = await AuthKit.LoginAsync(api, new { email = "new.user@example.com", password = AuthKit.Password });
        Assert.NotEqual(tokens.SessionId, again.SessionId);
    }

    [Fact]
    public async Task Register_InvalidFields_AnswerValidationPerField()
    {
        // Every attempt counts against the per-address limit, valid or not.
        await using var api = await AuthKit.StartAsync(nameof(Register_InvalidFields_AnswerValidationPerField),
            new() { ["Auth:RegisterPermitsPerMinute"] = "100" });
        HttpClient client = api.CreateClient();
        (object Body, string[] Fields)[] cases =
        [
            (new { password = AuthKit.Password }, ["email"]),
            (new { email = "not-an-email", password = AuthKit.Password }, ["email"]),
            (new { email = "two@at@example.com", password = AuthKit.Password }, ["email"]),
            (new { email = "Someone <a@example.com>", password = AuthKit.Password }, ["email"]),
            (new { email = "a@localhost", password = AuthKit.Password }, ["email"]),
            (new { email = new string('a', 250) + "@example.com", password = AuthKit.Password }, ["email"]),
            (new { email = "a@example.com" }, ["password"]),
            (new { email = "a@example.com", password = "short 123" }, ["password"]),
            // 40 characters but 80 UTF-8 bytes: over bcrypt's 72.
            (new { email = "a@example.com", password = new string('é', 40) }, ["password"]),
            (new { email = "a@example.com", password = "nul\0 inside the password" }, ["password"]),
            (new { email = "a@example.com", password = AuthKit.Password, deviceName = new string('d', 101) }, ["deviceName"]),
            (new { email = "bad", password = "x" }, ["email", "password"]),
        ];
        foreach ((object body, string[] fields) in cases)
        {
            await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "register", body), fields);
        }
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from users"));

        // Exactly 72 bytes is accepted.
        await AuthKit.ReadTokensAsync(await AuthKit.PostAsync(client, "register", new { email = "b@example.com", password = new string('é', 36) }),
            HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_ExistingEmailInAnyCase_AnswersConflict()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_ExistingEmailInAnyCase_AnswersConflict));
        HttpClient client = api.CreateClient();
        await AuthKit.ReadTokensAsync(await AuthKit.PostAsync(client, "register", new { email = "taken@example.com", password = AuthKit.Password }),
            HttpStatusCode.Created);
        HttpResponseMessage r = await AuthKit.PostAsync(client, "register", new { email = "Taken@Example.com", password = "another password" });
        await ProblemAssert.IsAsync(r, HttpStatusCode.Conflict, "conflict");
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from users"));
    }
}
