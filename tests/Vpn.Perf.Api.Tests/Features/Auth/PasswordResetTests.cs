using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Features.Mail;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

/// <summary>
/// Issue 13 §2: forgot-password answers the same for any address and mails only an account's; the mailed token
/// resets the password once, before it expires, and ends every session of the account.
/// </summary>
public sealed class PasswordResetTests
{
    private const string NewPassword = "a brand new secret";

    [Fact]
    public async Task ForgotPassword_ExistingAndMissingAddress_AnswerIdenticallyAndOnlyTheExistingGetsMail()
    {
        await using var api = await AuthKit.StartAsync(nameof(ForgotPassword_ExistingAndMissingAddress_AnswerIdenticallyAndOnlyTheExistingGetsMail),
            AuthKit.MailSettings());
        string existing = MailTest.Recipient("forgot"), missing = MailTest.Recipient("nobody"), disabled = MailTest.Recipient("disabled");
        await AuthKit.SeedUserAsync(api, email: existing);
        await AuthKit.SeedUserAsync(api, email: disabled, disabled: true);

        HttpResponseMessage[] answers =
        [
            await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email = existing.ToUpperInvariant() }),
            await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email = missing }),
            await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email = disabled }),
        ];
        string[] bodies = await Task.WhenAll(answers.Select(r => r.Content.ReadAsStringAsync()));
        foreach (HttpResponseMessage r in answers)
        {
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
            Assert.Null(r.Headers.Location);
        }
        Assert.Single(bodies.Distinct());
        Assert.DoesNotContain("token", bodies[0], StringComparison.OrdinalIgnoreCase);

        await AuthKit.MailedTokenAsync(existing, "reset-password");
        // Queued in the request's transaction or never: the other addresses have no message to send, now or later.
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from mail_outbox"));
        Assert.Empty(MailTest.Captured(missing));
        Assert.Empty(MailTest.Captured(disabled));

        await AuthKit.ValidationAsync(await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email = "not-an-address" }), "email");
    }

    [Fact]
    public async Task ResetPassword_MailedToken_SetsThePasswordOnceAndEndsEverySession()
    {
        await using var api = await AuthKit.StartAsync(nameof(ResetPassword_MailedToken_SetsThePasswordOnceAndEndsEverySession), AuthKit.MailSettings());
        string email = MailTest.Recipient("reset");
        Guid id = await AuthKit.SeedUserAsync(api, email: email);
        await AuthKit.WaitListeningAsync(api);
        TokenResponse phone = await AuthKit.LoginAsync(api, new { email, password = AuthKit.Password });
        TokenResponse laptop = await AuthKit.LoginAsync(api, new { email, password = AuthKit.Password });
        HttpClient phoneClient = AuthKit.ClientWith(api, phone);
        await AuthKit.AssertAcceptedAsync(phoneClient);

        Assert.Equal(HttpStatusCode.Accepted, (await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email })).StatusCode);
        string token = await AuthKit.MailedTokenAsync(email, "reset-password");
        Assert.Equal(HttpStatusCode.NoContent, (await AuthKit.PostAsync(api.CreateClient(), "reset-password", new { token, newPassword = NewPassword })).StatusCode);

        // The new password signs in, the old one does not; every earlier session is over, refresh and access tokens alike.
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(api.CreateClient(), "login", new { email, password = AuthKit.Password }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        await AuthKit.LoginAsync(api, new { email, password = NewPassword });
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, phone.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, laptop.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");
        await AuthKit.EventuallyRefusedAsync(phoneClient, "an access token of a session from before the reset");

        // Single use, and the owner is told of the change.
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(api.CreateClient(), "reset-password", new { token, newPassword = "yet another secret" }),
            HttpStatusCode.BadRequest, "account-token-invalid");
        await StateSync.SyncTest.UntilAsync(() => Task.FromResult(MailTest.Captured(email).Count == 2), "the password-changed notice");
        Assert.Contains("password was changed", MailTest.Captured(email)[1].Subject, StringComparison.Ordinal);
        Assert.Equal("""{"revokedSessions": 2}""",
            await AuthKit.ScalarAsync<string>(api, "select meta::text from audit_log where action = 'user.reset-password' and actor_id = $1", id));
        // The link reached the address: it counts as verified.
        Assert.True(await AuthKit.ScalarAsync<bool>(api, "select email_verified_at is not null from users where id = $1", id));
    }

    [Fact]
    public async Task ResetPassword_AfterExpiryOrSuperseded_IsRefusedAndChangesNothing()
    {
        var clock = new MutableTime(DateTimeOffset.UtcNow);
        await using var api = await AuthKit.StartAsync(nameof(ResetPassword_AfterExpiryOrSuperseded_IsRefusedAndChangesNothing), AuthKit.MailSettings());
        await using WebApplicationFactory<Program> host = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        string email = MailTest.Recipient("late");
        Guid id = await AuthKit.SeedUserAsync(api, email: email);
        string hash = (await AuthKit.ScalarAsync<string>(api, "select password_hash from users where id = $1", id))!;

        Assert.Equal(HttpStatusCode.Accepted, (await AuthKit.PostAsync(host.CreateClient(), "forgot-password", new { email })).StatusCode);
        string first = await AuthKit.MailedTokenAsync(email, "reset-password");
        Assert.Equal(HttpStatusCode.Accepted, (await AuthKit.PostAsync(host.CreateClient(), "forgot-password", new { email })).StatusCode);
        string second = await AuthKit.MailedTokenAsync(email, "reset-password", count: 2);

        JsonProblem superseded = await RefusedAsync(host, first);
        // 30 min by default: one second past it the token is refused, one second before it works.
        clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        Assert.Equal(superseded, await RefusedAsync(host, second));
        Assert.Equal(superseded, await RefusedAsync(host, "not-a-token"));
        Assert.Equal(hash, await AuthKit.ScalarAsync<string>(api, "select password_hash from users where id = $1", id));

        clock.Advance(TimeSpan.FromSeconds(-2));
        Assert.Equal(HttpStatusCode.NoContent, (await AuthKit.PostAsync(host.CreateClient(), "reset-password", new { token = second, newPassword = NewPassword })).StatusCode);
        Assert.NotEqual(hash, await AuthKit.ScalarAsync<string>(api, "select password_hash from users where id = $1", id));
    }

    [Fact]
    public async Task ResetPassword_InvalidFields_AnswerValidationPerField()
    {
        await using var api = await AuthKit.StartAsync(nameof(ResetPassword_InvalidFields_AnswerValidationPerField));
        HttpClient client = api.CreateClient();
        await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "reset-password", new { newPassword = NewPassword }), "token");
        await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "reset-password", new { token = "x" }), "newPassword");
        await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "reset-password", new { token = "x", newPassword = "too short" }), "newPassword");
        await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "reset-password", new { }), "newPassword", "token");
    }

    [Fact]
    public async Task ForgotPassword_TooOftenForOneAddress_Is429WhetherOrNotItHasAnAccount()
    {
        await using var api = await AuthKit.StartAsync(nameof(ForgotPassword_TooOftenForOneAddress_Is429WhetherOrNotItHasAnAccount),
            AuthKit.MailSettings(new() { ["Auth:PasswordResetAccountPermitsPerHour"] = "2" }));
        string existing = MailTest.Recipient("often");
        await AuthKit.SeedUserAsync(api, email: existing);
        foreach (string email in new[] { existing, MailTest.Recipient("often-missing") })
        {
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email })).StatusCode);
            }
            HttpResponseMessage limited = await AuthKit.PostAsync(api.CreateClient(), "forgot-password", new { email });
            await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests, "too-many-requests");
            Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        }
    }

    [Fact]
    public async Task ChangePassword_Succeeds_MailsThePasswordChangedNotice()
    {
        await using var api = await AuthKit.StartAsync(nameof(ChangePassword_Succeeds_MailsThePasswordChangedNotice), AuthKit.MailSettings());
        string email = MailTest.Recipient("changed");
        await AuthKit.SeedUserAsync(api, email: email);
        HttpClient client = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email, password = AuthKit.Password }));
        HttpResponseMessage changed = await client.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = AuthKit.Password, newPassword = NewPassword });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        await StateSync.SyncTest.UntilAsync(() => Task.FromResult(MailTest.Captured(email).Count == 1), "the password-changed notice");
        Assert.Contains("password was changed", MailTest.Captured(email)[0].Subject, StringComparison.Ordinal);
    }

    private static async Task<JsonProblem> RefusedAsync(WebApplicationFactory<Program> host, string token)
    {
        var problem = await ProblemAssert.IsAsync(await AuthKit.PostAsync(host.CreateClient(), "reset-password", new { token, newPassword = NewPassword }),
            HttpStatusCode.BadRequest, "account-token-invalid");
        return new JsonProblem(problem.GetProperty("title").GetString()!, problem.GetProperty("detail").GetString()!);
    }

    private sealed record JsonProblem(string Title, string Detail);
}
