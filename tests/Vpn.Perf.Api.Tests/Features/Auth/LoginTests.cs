using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class LoginTests
{
    [Fact]
    public async Task Login_ByEmailOrUsername_ReturnsTokensForANewSession()
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_ByEmailOrUsername_ReturnsTokensForANewSession));
        Guid customer = await AuthKit.SeedUserAsync(api, email: "buyer@example.com");
        Guid staff = await AuthKit.SeedUserAsync(api, username: "ops-anna", role: Roles.Operator);

        DateTimeOffset before = DateTimeOffset.UtcNow;
        TokenResponse byEmail = await AuthKit.LoginAsync(api, new { email = "Buyer@Example.com", password = AuthKit.Password, deviceName = "laptop" });
        TokenResponse byUsername = await AuthKit.LoginAsync(api, new { username = "ops-anna", password = AuthKit.Password });

        var jwt = new JsonWebToken(byEmail.AccessToken);
        Assert.Equal(customer.ToString(), jwt.Subject);
        Assert.Equal(Roles.Customer, jwt.GetClaim(ApiClaims.Role).Value);
        Assert.Equal(byEmail.SessionId.ToString(), jwt.GetClaim(ApiClaims.Session).Value);
        Assert.Equal(Roles.Operator, new JsonWebToken(byUsername.AccessToken).GetClaim(ApiClaims.Role).Value);
        Assert.Equal(staff.ToString(), new JsonWebToken(byUsername.AccessToken).Subject);
        // Default lifetimes: 15 minutes for the access token, 30 days for the refresh token.
        Assert.InRange(byEmail.AccessTokenExpiresAt, before.AddMinutes(15).AddSeconds(-2), DateTimeOffset.UtcNow.AddMinutes(15).AddSeconds(1));
        Assert.Equal(new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), byEmail.AccessTokenExpiresAt);
        Assert.InRange(byEmail.RefreshTokenExpiresAt, before.AddDays(30).AddSeconds(-1), DateTimeOffset.UtcNow.AddDays(30).AddSeconds(1));

        // The refresh token is 32 random bytes in base64url; only its SHA-256 is stored.
        byte[] raw = Base64Url.DecodeFromChars(byEmail.RefreshToken);
        Assert.Equal(32, raw.Length);
        byte[]? stored = await AuthKit.ScalarAsync<byte[]>(api, "select token_hash from refresh_tokens where session_id = $1", byEmail.SessionId);
        Assert.Equal(SHA256.HashData(raw), stored);
        Assert.Equal("laptop", await AuthKit.ScalarAsync<string>(api, "select device from auth_sessions where id = $1", byEmail.SessionId));
        Assert.Equal(customer, await AuthKit.ScalarAsync<Guid>(api, "select user_id from auth_sessions where id = $1", byEmail.SessionId));
    }

    [Fact]
    public async Task Login_WrongPasswordOrUnknownAccount_AnswerTheSameProblem()
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_WrongPasswordOrUnknownAccount_AnswerTheSameProblem));
        await AuthKit.SeedUserAsync(api, email: "known@example.com");
        await AuthKit.SeedUserAsync(api, username: "known-op", role: Roles.Operator);
        HttpClient client = api.CreateClient();

        JsonElement wrong = await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "known@example.com", password = "not the password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        JsonElement unknown = await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "nobody@example.com", password = "not the password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        JsonElement wrongUser = await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { username = "known-op", password = "not the password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        JsonElement unknownUser = await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { username = "nobody", password = "not the password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        foreach (JsonElement other in (JsonElement[])[unknown, wrongUser, unknownUser])
        {
            foreach (string field in (string[])["type", "title", "status", "detail", "code"])
            {
                Assert.Equal(wrong.GetProperty(field).ToString(), other.GetProperty(field).ToString());
            }
        }
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from auth_sessions"));
    }

    [Fact]
    public async Task Login_DisabledAccount_IsRefused()
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_DisabledAccount_IsRefused));
        await AuthKit.SeedUserAsync(api, email: "gone@example.com", disabled: true);
        HttpClient client = api.CreateClient();

        // With the right password the account's state is told; without it the answer is the generic one.
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "gone@example.com", password = AuthKit.Password }),
            HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "gone@example.com", password = "wrong password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from auth_sessions"));
    }

    [Fact]
    public async Task Login_InvalidFields_AnswerValidationPerField()
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_InvalidFields_AnswerValidationPerField));
        HttpClient client = api.CreateClient();
        (object Body, string[] Fields)[] cases =
        [
            (new { password = AuthKit.Password }, ["email", "username"]),
            (new { email = "a@example.com", username = "a", password = AuthKit.Password }, ["email", "username"]),
            (new { email = "a@example.com" }, ["password"]),
            (new { email = "a@example.com", password = "" }, ["password"]),
            (new { email = "a@example.com", password = new string('p', 1025) }, ["password"]),
            (new { email = "a@example.com", password = AuthKit.Password, deviceName = new string('d', 101) }, ["deviceName"]),
            (new { email = "a@example.com", password = AuthKit.Password, deviceName = "tab\u0001" }, ["deviceName"]),
        ];
        foreach ((object body, string[] fields) in cases)
        {
            await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "login", body), fields);
        }
    }

    [Theory]
    // Made offline with Debian's python3-bcrypt (cost 5, password "legacy pässwörd 1"); $2y$ is PHP's label for $2b$.
    [InlineData("2a", "$2a$05$i1Tdntw6J6cwaNkfltbwT.QJ20BeLMj3iM8od1Vxfm53dauKanaAi")]
    [InlineData("2b", "$2b$05$4ofK0mXLzGtiwkf6Jd/T9euYzKOG9mwcBdpKiUnInzvd94dgJCfqm")]
    [InlineData("2y", "$2y$05$p5tdmMAQ36tB4sphxgua5Oshik2vkmy0WvvlIWi8b6TBwoq/7SmQi")]
    public async Task Login_HashMadeByAnotherPanel_VerifiesAndIsUpgraded(string variant, string hash)
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_HashMadeByAnotherPanel_VerifiesAndIsUpgraded) + variant);
        Guid id = await AuthKit.SeedUserAsync(api, email: $"migrated-{variant}@example.com", hash: hash);
        HttpClient client = api.CreateClient();

        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = $"migrated-{variant}@example.com", password = "legacy passwort 1" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        await AuthKit.LoginAsync(api, new { email = $"migrated-{variant}@example.com", password = "legacy pässwörd 1" });

        // Rehashed at the configured cost while the password was at hand; the new hash still verifies.
        string? upgraded = await AuthKit.ScalarAsync<string>(api, "select password_hash from users where id = $1", id);
        Assert.StartsWith("$2b$04$", upgraded, StringComparison.Ordinal);
        await AuthKit.LoginAsync(api, new { email = $"migrated-{variant}@example.com", password = "legacy pässwörd 1" });
    }
}
