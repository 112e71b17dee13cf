using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Features.Mail;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

/// <summary>
/// Issue 13 §2: register mails a verification link (through the outbox and the capturing SMTP server); its token
/// verifies the address once, expires, and is superseded by a newer one.
/// </summary>
public sealed class EmailVerificationTests
{
    [Fact]
    public async Task Register_NewAddress_MailsALinkWhoseTokenVerifiesTheAddressOnce()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_NewAddress_MailsALinkWhoseTokenVerifiesTheAddressOnce), AuthKit.MailSettings());
        string email = MailTest.Recipient("verify");
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(api.CreateClient(), "register", new { email, password = AuthKit.Password }));

        string token = await AuthKit.MailedTokenAsync(email, "verify-email");
        // Only the token's SHA-256 is stored, never the token; the sent mail's body (the link) is erased.
        Assert.Equal(SHA256.HashData(Base64Url.DecodeFromChars(token)), await AuthKit.ScalarAsync<byte[]>(api, "select token_hash from account_tokens"));
        await StateSync.SyncTest.UntilAsync(async () => await AuthKit.ScalarAsync<long>(api, "select count(*) from mail_outbox where text_body is null") == 1,
            "the sent mail's body to be erased");

        // An unverified account signs in; me and staff see it unverified.
        TokenResponse tokens = await AuthKit.LoginAsync(api, new { email, password = AuthKit.Password });
        HttpClient client = AuthKit.ClientWith(api, tokens);
        MeResponse before = await AuthKit.ReadAsync<MeResponse>(await client.GetAsync("/api/v1/auth/me"));
        Assert.False(before.EmailVerified);
        Assert.Null(before.EmailVerifiedAt);
        JsonElement staffView = await AuthKit.ReadAsync<JsonElement>(await api.ClientAs(Guid.NewGuid(), Roles.Operator).GetAsync($"/api/v1/users/{before.Id}"));
        Assert.False(staffView.GetProperty("emailVerified").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await AuthKit.PostAsync(api.CreateClient(), "verify-email", new { token })).StatusCode);

        MeResponse after = await AuthKit.ReadAsync<MeResponse>(await client.GetAsync("/api/v1/auth/me"));
        Assert.True(after.EmailVerified);
        Assert.NotNull(after.EmailVerifiedAt);
        staffView = await AuthKit.ReadAsync<JsonElement>(await api.ClientAs(Guid.NewGuid(), Roles.Operator).GetAsync($"/api/v1/users/{before.Id}"));
        Assert.True(staffView.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(after.EmailVerifiedAt, staffView.GetProperty("emailVerifiedAt").GetDateTimeOffset());

        // Single use.
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(api.CreateClient(), "verify-email", new { token }), HttpStatusCode.BadRequest, "account-token-invalid");
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from account_tokens"));
    }

    [Fact]
    public async Task Register_TakenAddress_QueuesNoMailAndAnswersTheSame()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_TakenAddress_QueuesNoMailAndAnswersTheSame), AuthKit.MailSettings());
        string email = MailTest.Recipient("taken");
        string first = await AuthKit.RegisteredAsync(await AuthKit.PostAsync(api.CreateClient(), "register", new { email, password = AuthKit.Password }));
        string again = await AuthKit.RegisteredAsync(await AuthKit.PostAsync(api.CreateClient(), "register", new { email = email.ToUpperInvariant(), password = "another password 1" }));

        Assert.Equal(first, again);
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from mail_outbox where recipient = $1", email));
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from account_tokens"));
        await AuthKit.LoginAsync(api, new { email, password = AuthKit.Password });
    }

    [Fact]
    public async Task VerifyEmail_SupersededExpiredOrMalformedToken_AnswersOneProblem()
    {
        var clock = new MutableTime(DateTimeOffset.UtcNow);
        await using var api = await AuthKit.StartAsync(nameof(VerifyEmail_SupersededExpiredOrMalformedToken_AnswersOneProblem), AuthKit.MailSettings());
        await using WebApplicationFactory<Program> host = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        string email = MailTest.Recipient("expiry");
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(host.CreateClient(), "register", new { email, password = AuthKit.Password }));
        string first = await AuthKit.MailedTokenAsync(email, "verify-email");

        // A signed-in unverified account asks for a new mail: the new link works, the first no longer does.
        TokenResponse tokens = await AuthKit.ReadTokensAsync(await AuthKit.PostAsync(host.CreateClient(), "login", new { email, password = AuthKit.Password }));
        HttpClient client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", tokens.AccessToken);
        HttpResponseMessage resent = await client.PostAsync("/api/v1/auth/resend-verification", null);
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        string second = await AuthKit.MailedTokenAsync(email, "verify-email", count: 2);
        Assert.NotEqual(first, second);

        string detail = await InvalidAsync(host, first);
        Assert.Equal(detail, await InvalidAsync(host, "not-a-token"));
        Assert.Equal(detail, await InvalidAsync(host, Base64UrlToken()));

        // 48 h by default: one second past it the token is refused, one second before it works.
        clock.Advance(TimeSpan.FromHours(48) + TimeSpan.FromSeconds(1));
        Assert.Equal(detail, await InvalidAsync(host, second));
        clock.Advance(TimeSpan.FromSeconds(-2));
        Assert.Equal(HttpStatusCode.NoContent, (await AuthKit.PostAsync(host.CreateClient(), "verify-email", new { token = second })).StatusCode);
        DateTime verifiedAt = await AuthKit.ScalarAsync<DateTime>(api, "select email_verified_at from users where email = $1", email);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), new DateTimeOffset(verifiedAt).ToUnixTimeMilliseconds());

        await AuthKit.ValidationAsync(await AuthKit.PostAsync(host.CreateClient(), "verify-email", new { }), "token");
    }

    [Fact]
    public async Task ResendVerification_VerifiedOrWithoutAddressOrTooOften_AnswersProblems()
    {
        await using var api = await AuthKit.StartAsync(nameof(ResendVerification_VerifiedOrWithoutAddressOrTooOften_AnswersProblems),
            AuthKit.MailSettings(new() { ["Auth:VerificationMailPermitsPerHour"] = "2" }));
        string email = MailTest.Recipient("resend");
        Guid id = await AuthKit.SeedUserAsync(api, email: email);
        HttpClient client = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email, password = AuthKit.Password }));

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/v1/auth/resend-verification", null)).StatusCode);
        await AuthKit.MailedTokenAsync(email, "verify-email");
        await AuthKit.ExecuteAsync(api, "update users set email_verified_at = now() where id = $1", id);
        await ProblemAssert.IsAsync(await client.PostAsync("/api/v1/auth/resend-verification", null), HttpStatusCode.Conflict, "email-already-verified");
        HttpResponseMessage limited = await client.PostAsync("/api/v1/auth/resend-verification", null);
        await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests, "too-many-requests");
        Assert.NotNull(limited.Headers.RetryAfter);

        await AuthKit.SeedUserAsync(api, username: "staff", role: Roles.Operator);
        HttpClient staff = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { username = "staff", password = AuthKit.Password }));
        await ProblemAssert.IsAsync(await staff.PostAsync("/api/v1/auth/resend-verification", null), HttpStatusCode.BadRequest, "bad-request");
        await ProblemAssert.IsAsync(await api.CreateClient().PostAsync("/api/v1/auth/resend-verification", null), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task UpdateUser_NewAddress_IsUnverifiedAndTheOldAddressesLinkStopsWorking()
    {
        await using var api = await AuthKit.StartAsync(nameof(UpdateUser_NewAddress_IsUnverifiedAndTheOldAddressesLinkStopsWorking), AuthKit.MailSettings());
        string email = MailTest.Recipient("moved");
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(api.CreateClient(), "register", new { email, password = AuthKit.Password }));
        string token = await AuthKit.MailedTokenAsync(email, "verify-email");
        Guid id = await AuthKit.ScalarAsync<Guid>(api, "select id from users where email = $1", email);

        HttpClient staff = api.ClientAs(await AuthKit.SeedUserAsync(api, username: "root", role: Roles.Superuser), Roles.Superuser);
        JsonElement moved = await AuthKit.ReadAsync<JsonElement>(await staff.PatchAsJsonAsync($"/api/v1/users/{id}", new { email = MailTest.Recipient("moved-to") }));
        Assert.False(moved.GetProperty("emailVerified").GetBoolean());
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(api.CreateClient(), "verify-email", new { token }), HttpStatusCode.BadRequest, "account-token-invalid");
    }

    [Fact]
    public async Task OpenApiDocument_Anonymous_DescribesTheAccountMailEndpoints()
    {
        await using var api = await AuthKit.StartAsync(nameof(OpenApiDocument_Anonymous_DescribesTheAccountMailEndpoints));
        using var doc = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/api/openapi/v1.json"));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        foreach (string name in new[] { "verify-email", "resend-verification", "forgot-password", "reset-password" })
        {
            Assert.True(paths.TryGetProperty("/api/v1/auth/" + name, out JsonElement path), name);
            Assert.True(path.GetProperty("post").TryGetProperty("summary", out _), name);
        }
        Assert.True(paths.GetProperty("/api/v1/auth/reset-password").GetProperty("post").GetProperty("responses").TryGetProperty("400", out _));
    }

    private static async Task<string> InvalidAsync(WebApplicationFactory<Program> host, string token)
    {
        JsonElement problem = await ProblemAssert.IsAsync(await AuthKit.PostAsync(host.CreateClient(), "verify-email", new { token }),
            HttpStatusCode.BadRequest, "account-token-invalid");
        return problem.GetProperty("detail").GetString()!;
    }

    private static string Base64UrlToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
