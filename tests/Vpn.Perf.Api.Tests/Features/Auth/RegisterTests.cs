using System.Net;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class RegisterTests
{
    [Fact]
    public async Task Register_NewEmail_CreatesCustomerWhoSignsInWithLogin()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_NewEmail_CreatesCustomerWhoSignsInWithLogin));
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(api.CreateClient(), "register",
            new { email = "  New.User@Example.COM ", password = AuthKit.Password, deviceName = "Pixel 8" }));
        // Register starts no session: the account signs in like any other.
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from auth_sessions"));

        TokenResponse tokens = await AuthKit.LoginAsync(api, new { email = "new.user@example.com", password = AuthKit.Password, deviceName = "Pixel 8" });
        MeResponse me = await AuthKit.ReadAsync<MeResponse>(await AuthKit.ClientWith(api, tokens).GetAsync("/api/v1/auth/me"));
        Assert.Equal("new.user@example.com", me.Email);
        Assert.Null(me.Username);
        Assert.Equal(Roles.Customer, me.Role);
        // bcrypt at the configured cost (4 in tests), not the default 12.
        Assert.StartsWith("$2b$04$", await AuthKit.ScalarAsync<string>(api, "select password_hash from users where id = $1", me.Id), StringComparison.Ordinal);
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
            (new { email = "bad", password = "x" }, ["email", "password"]),
        ];
        foreach ((object body, string[] fields) in cases)
        {
            await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "register", body), fields);
        }
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from users"));

        // Exactly 72 bytes is accepted.
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(client, "register", new { email = "b@example.com", password = new string('é', 36) }));
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from users"));
    }

    [Fact]
    public async Task Register_ExistingEmailInAnyCase_AnswersExactlyLikeANewOne()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_ExistingEmailInAnyCase_AnswersExactlyLikeANewOne));
        HttpClient client = api.CreateClient();
        string fresh = await AuthKit.RegisteredAsync(await AuthKit.PostAsync(client, "register", new { email = "taken@example.com", password = AuthKit.Password }));
        string hash = (await AuthKit.ScalarAsync<string>(api, "select password_hash from users"))!;

        string taken = await AuthKit.RegisteredAsync(await AuthKit.PostAsync(client, "register", new { email = "Taken@Example.com", password = "another password" }));
        Assert.Equal(fresh, taken);
        // The existing account is untouched: same single row, same password.
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from users"));
        Assert.Equal(hash, await AuthKit.ScalarAsync<string>(api, "select password_hash from users"));
        await AuthKit.LoginAsync(api, new { email = "taken@example.com", password = AuthKit.Password });
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "taken@example.com", password = "another password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
    }
}
