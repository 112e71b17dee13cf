using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Auth.ApiKeys;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.ApiKeys;

/// <summary>
/// A host for API-key tests: the real Api on a database of the test's own, with a clock the test may move, and the
/// client address taken from <see cref="ClientIpHeader"/> (the test server has none of its own). Keys are made
/// through the endpoint or, to forge rows the endpoint would refuse, straight in SQL.
/// </summary>
internal sealed class ApiKeyKit : IAsyncDisposable
{
    /// <summary>Test-only: the address the request seems to come from.</summary>
    public const string ClientIpHeader = "X-Test-Client-Ip";

    private ApiKeyKit(ApiFactory api, WebApplicationFactory<Program> host)
    {
        Api = api;
        Host = host;
    }

    public ApiFactory Api { get; }

    public WebApplicationFactory<Program> Host { get; }

    public IServiceProvider Services => Host.Services;

    public static async Task<ApiKeyKit> StartAsync(string testName, TimeProvider? time = null, Dictionary<string, string?>? settings = null)
    {
        ApiFactory api = await AuthKit.StartAsync("ApiKeys." + testName, settings);
        WebApplicationFactory<Program> host = api.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            if (time is not null) s.AddSingleton(time);
            s.AddSingleton<IStartupFilter, ClientIpFilter>();
        }));
        return new ApiKeyKit(api, host);
    }

    public Task<Guid> SeedUserAsync(string role, bool disabled = false)
        => AuthKit.SeedUserAsync(Api, email: role == Roles.Customer ? $"{Guid.NewGuid():N}@example.com" : null,
            username: role == Roles.Customer ? null : "staff" + Guid.NewGuid().ToString("N")[..12], role: role, disabled: disabled);

    /// <summary>A client signed in as the user (an access token of this host's issuer).</summary>
    public HttpClient Session(Guid userId, string role)
    {
        HttpClient client = Host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            Services.GetRequiredService<AccessTokenIssuer>().Issue(userId, role, Guid.NewGuid()));
        return client;
    }

    /// <summary>A client presenting the key in <c>X-Api-Key</c> (or as a bearer), optionally from a given address.</summary>
    public HttpClient WithKey(string key, string? clientIp = "192.0.2.10", bool asBearer = false)
    {
        HttpClient client = Host.CreateClient();
        if (asBearer) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        else client.DefaultRequestHeaders.Add(ApiKeyDefaults.Header, key);
        if (clientIp is not null) client.DefaultRequestHeaders.Add(ClientIpHeader, clientIp);
        return client;
    }

    /// <summary>Inserts a key row directly (any scopes, even ones the user's role could never be granted) and returns the key.</summary>
    public async Task<(Guid Id, string Key)> InsertKeyAsync(Guid userId, string[] scopes, DateTimeOffset? expiresAt = null, string[]? allowedIps = null,
        int dailyQuota = 1_000_000, DateTimeOffset? revokedAt = null)
    {
        string key = ApiKeyToken.Create();
        Guid id = Ids.NewId();
        await using NpgsqlDataSource db = Api.OpenDataSource();
        await using NpgsqlCommand cmd = db.CreateCommand("""
            insert into api_keys (id, user_id, name, key_hash, key_prefix, scopes, allowed_ips, daily_quota, expires_at, revoked_at)
            values ($1, $2, 'test key', $3, $4, $5, $6::cidr[], $7, $8, $9)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = ApiKeyToken.Hash(key) });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ApiKeyToken.Display(key) });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = scopes });
        cmd.Parameters.Add(new NpgsqlParameter<string[]?> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = allowedIps });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = dailyQuota });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = expiresAt?.ToUniversalTime() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = revokedAt?.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
        return (id, key);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using NpgsqlDataSource db = Api.OpenDataSource();
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, Guid id)
    {
        await using NpgsqlDataSource db = Api.OpenDataSource();
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        object? value = await cmd.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    /// <summary>Both caches a warm key is checked against are receiving invalidations (so they store what they load).</summary>
    public Task WaitListeningAsync()
    {
        ApiKeyCache keys = Services.GetRequiredService<ApiKeyCache>();
        AccessRevocationCache accounts = Services.GetRequiredService<AccessRevocationCache>();
        return PollAsync(() => Task.FromResult(keys.IsListening && accounts.IsListening), "the api_key_changed and auth_changed listeners are up");
    }

    /// <summary>A bounded wait for something another connection causes (a NOTIFY); it never decides by elapsed time alone.</summary>
    public static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Api.DisposeAsync();
    }

    /// <summary>Sets the connection's remote address from <see cref="ClientIpHeader"/>, first thing in the pipeline.</summary>
    private sealed class ClientIpFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(ClientIpHeader, out var ip)) context.Connection.RemoteIpAddress = IPAddress.Parse(ip.ToString());
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
