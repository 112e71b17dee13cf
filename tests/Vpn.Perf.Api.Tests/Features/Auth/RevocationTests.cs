using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

/// <summary>
/// Issue 10 §3: an access token stops working within seconds of its session ending or its account being disabled,
/// not at its expiry; each test warms the Api's cache first, so what ends the token is the NOTIFY.
/// </summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task Issue10_Logout_EndsThatSessionsAccessTokenOnly()
    {
        await using var api = await AuthKit.StartAsync(nameof(Issue10_Logout_EndsThatSessionsAccessTokenOnly));
        await AuthKit.SeedUserAsync(api, email: "out@example.com");
        await AuthKit.WaitListeningAsync(api);
        HttpClient phone = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email = "out@example.com", password = AuthKit.Password }));
        HttpClient laptop = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email = "out@example.com", password = AuthKit.Password }));
        await AuthKit.AssertAcceptedAsync(phone);
        await AuthKit.AssertAcceptedAsync(laptop);

        Assert.Equal(HttpStatusCode.NoContent, (await phone.PostAsync("/api/v1/auth/logout", null)).StatusCode);

        await AuthKit.EventuallyRefusedAsync(phone, "the logged-out session's access token");
        await AuthKit.AssertAcceptedAsync(laptop);
    }

    [Fact]
    public async Task Issue10_ChangePassword_EndsOtherSessionsAccessTokens()
    {
        await using var api = await AuthKit.StartAsync(nameof(Issue10_ChangePassword_EndsOtherSessionsAccessTokens));
        await AuthKit.SeedUserAsync(api, email: "cp@example.com");
        await AuthKit.WaitListeningAsync(api);
        HttpClient here = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email = "cp@example.com", password = AuthKit.Password }));
        HttpClient elsewhere = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email = "cp@example.com", password = AuthKit.Password }));
        await AuthKit.AssertAcceptedAsync(elsewhere);

        HttpResponseMessage changed = await here.PostAsJsonAsync("/api/v1/auth/change-password",
            new { currentPassword = AuthKit.Password, newPassword = "a brand new password" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        await AuthKit.EventuallyRefusedAsync(elsewhere, "another session's access token after a password change");
        await AuthKit.AssertAcceptedAsync(here);
    }

    [Fact]
    public async Task Issue10_DisableUser_EndsEveryAccessTokenOfTheAccount()
    {
        await using var api = await AuthKit.StartAsync(nameof(Issue10_DisableUser_EndsEveryAccessTokenOfTheAccount));
        Guid id = await AuthKit.SeedUserAsync(api, email: "off@example.com");
        await AuthKit.SeedUserAsync(api, username: "admin", role: Roles.Superuser);
        await AuthKit.WaitListeningAsync(api);
        HttpClient customer = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { email = "off@example.com", password = AuthKit.Password }));
        await AuthKit.AssertAcceptedAsync(customer);

        HttpClient staff = AuthKit.ClientWith(api, await AuthKit.LoginAsync(api, new { username = "admin", password = AuthKit.Password }));
        HttpResponseMessage disabled = await staff.PatchAsJsonAsync($"/api/v1/users/{id}", new { disabled = true });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);

        await AuthKit.EventuallyRefusedAsync(customer, "a disabled account's access token");
        await AuthKit.AssertAcceptedAsync(staff);
    }

    [Fact]
    public async Task Issue10_RefreshTokenReuse_EndsTheSessionsAccessTokens()
    {
        await using var api = await AuthKit.StartAsync(nameof(Issue10_RefreshTokenReuse_EndsTheSessionsAccessTokens));
        await AuthKit.SeedUserAsync(api, email: "reuse@example.com");
        await AuthKit.WaitListeningAsync(api);
        TokenResponse first = await AuthKit.LoginAsync(api, new { email = "reuse@example.com", password = AuthKit.Password });
        TokenResponse other = await AuthKit.LoginAsync(api, new { email = "reuse@example.com", password = AuthKit.Password });
        TokenResponse second = await AuthKit.ReadTokensAsync(await AuthKit.RefreshAsync(api, first.RefreshToken));
        HttpClient thief = AuthKit.ClientWith(api, second);
        await AuthKit.AssertAcceptedAsync(thief);

        // The consumed token comes back: the session ends, and with it the access tokens it issued.
        await ProblemAssert.IsAsync(await AuthKit.RefreshAsync(api, first.RefreshToken), HttpStatusCode.Unauthorized, "invalid-token");

        await AuthKit.EventuallyRefusedAsync(thief, "the reused session's newest access token");
        await AuthKit.EventuallyRefusedAsync(AuthKit.ClientWith(api, first), "the reused session's first access token");
        await AuthKit.AssertAcceptedAsync(AuthKit.ClientWith(api, other));
    }

    [Fact]
    public async Task Issue10_WarmToken_IsCheckedWithoutPostgres()
    {
        string name = "Auth." + nameof(Issue10_WarmToken_IsCheckedWithoutPostgres);
        string cs = await TestServers.CreateDatabaseAsync(name);
        string role = new NpgsqlConnectionStringBuilder(cs).Database + "_api";
        string apiCs = new NpgsqlConnectionStringBuilder(cs) { Username = role, Pooling = true }.ConnectionString;
        await using var api = await AuthKit.StartAsync(nameof(Issue10_WarmToken_IsCheckedWithoutPostgres),
            new() { ["ConnectionStrings:Postgres"] = apiCs });
        // The Api logs in as a role of its own, so access can be taken away from it and from nobody else.
        await AuthKit.ExecuteAsync(api, $"drop role if exists {role}");
        await AuthKit.ExecuteAsync(api, $"create role {role} login");
        await AuthKit.ExecuteAsync(api, $"grant select, insert, update, delete on all tables in schema public to {role}");
        try
        {
            await AuthKit.SeedUserAsync(api, email: "warm@example.com");
            await AuthKit.WaitListeningAsync(api);
            TokenResponse tokens = await AuthKit.LoginAsync(api, new { email = "warm@example.com", password = AuthKit.Password });
            HttpClient warm = AuthKit.ClientWith(api, tokens);
            await AuthKit.AssertAcceptedAsync(warm);

            // No new logins, and every pooled connection of the Api killed; only the LISTEN connections stay.
            await AuthKit.ExecuteAsync(api, $"alter role {role} nologin");
            await AuthKit.ExecuteAsync(api, $"""
                select pg_terminate_backend(pid) from pg_stat_activity where usename = '{role}'
                and application_name not in ('{AccessRevocationListener.ApplicationName}', '{ConfigChangeListener.ApplicationName}')
                """);

            for (int i = 0; i < 3; i++) await AuthKit.AssertAcceptedAsync(warm);
            Assert.True(api.Services.GetRequiredService<AccessRevocationCache>().IsListening);
            // The control: a session the cache has not seen needs Postgres, which is now out of reach.
            HttpClient cold = api.ClientAs(Guid.NewGuid(), Roles.Customer);
            Assert.Equal(HttpStatusCode.InternalServerError, (await cold.GetAsync(AuthKit.Probe)).StatusCode);
        }
        finally
        {
            await AuthKit.ExecuteAsync(api, $"alter role {role} login");
        }
    }
}
