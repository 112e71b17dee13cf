using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Auth.ApiKeys;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.ApiKeys;

/// <summary>Issue 13 §3: creating, listing and revoking API keys, and what a key authenticates as.</summary>
public sealed class ApiKeysEndpointsTests
{
    private const string Keys = "/api/v1/api-keys";
    private const string Subscriptions = "/api/v1/subscriptions";

    [Fact]
    public async Task CreateApiKey_ValidRequest_ShowsTheKeyOnceAndStoresOnlyItsHash()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(CreateApiKey_ValidRequest_ShowsTheKeyOnceAndStoresOnlyItsHash));
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        HttpClient session = kit.Session(user, Roles.Customer);

        HttpResponseMessage created = await session.PostAsJsonAsync(Keys, new
        {
            name = "  billing export ",
            scopes = new[] { ApiScopes.SubscriptionsRead, ApiScopes.UsageRead, ApiScopes.SubscriptionsRead },
            expiresAt = DateTimeOffset.UtcNow.AddDays(30),
            allowedIps = new[] { "198.51.100.0/24", "2001:db8::/32", "203.0.113.9" },
        });
        string body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        JsonElement json = JsonDocument.Parse(body).RootElement;
        string key = json.GetProperty("key").GetString()!;
        Guid id = json.GetProperty("id").GetGuid();
        Assert.StartsWith("vpk_", key, StringComparison.Ordinal);
        Assert.Equal(47, key.Length);
        Assert.Equal(key[..12], json.GetProperty("prefix").GetString());
        Assert.Equal("billing export", json.GetProperty("name").GetString());
        Assert.Equal([ApiScopes.SubscriptionsRead, ApiScopes.UsageRead], json.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal(["198.51.100.0/24", "2001:db8::/32", "203.0.113.9/32"], json.GetProperty("allowedIps").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal(10_000, json.GetProperty("dailyQuota").GetInt32());

        // Only the SHA-256 is stored; no column holds the key.
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), await kit.ScalarAsync<byte[]>("select key_hash from api_keys where id = $1", id));
        string row = (await kit.ScalarAsync<string>("select row_to_json(k)::text from api_keys k where id = $1", id))!;
        Assert.DoesNotContain(key[4..], row, StringComparison.Ordinal);

        string list = await session.GetStringAsync(Keys);
        Assert.DoesNotContain(key[12..], list, StringComparison.Ordinal);
        JsonElement listed = Assert.Single(JsonDocument.Parse(list).RootElement.EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetGuid());
        Assert.Equal("billing export", listed.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        Assert.True(listed.TryGetProperty("createdAt", out _) && listed.TryGetProperty("expiresAt", out _));

        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(key, "198.51.100.7").GetAsync(Subscriptions)).StatusCode);
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from audit_log where action = 'api_key.create' and actor_id = $1", user));
    }

    [Fact]
    public async Task CreateApiKey_InvalidFields_AreValidationProblemsNamingTheField()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(CreateApiKey_InvalidFields_AreValidationProblemsNamingTheField));
        Guid customer = await kit.SeedUserAsync(Roles.Customer);
        Guid op = await kit.SeedUserAsync(Roles.Operator);
        HttpClient session = kit.Session(customer, Roles.Customer);
        string[] read = [ApiScopes.SubscriptionsRead];

        await AssertInvalidAsync(session, new { name = "", scopes = read }, "name");
        await AssertInvalidAsync(session, new { name = "k", scopes = Array.Empty<string>() }, "scopes");
        await AssertInvalidAsync(session, new { name = "k", scopes = new[] { "everything" } }, "scopes");
        // A key never exceeds its creator's role.
        await AssertInvalidAsync(session, new { name = "k", scopes = new[] { ApiScopes.UsersRead } }, "scopes");
        await AssertInvalidAsync(kit.Session(op, Roles.Operator), new { name = "k", scopes = new[] { ApiScopes.AuditRead } }, "scopes");
        await AssertInvalidAsync(session, new { name = "k", scopes = read, expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, "expiresAt");
        await AssertInvalidAsync(session, new { name = "k", scopes = read, allowedIps = new[] { "10.0.0.1/8" } }, "allowedIps");
        await AssertInvalidAsync(session, new { name = "k", scopes = read, allowedIps = new[] { "not an address" } }, "allowedIps");
        await AssertInvalidAsync(session, new { name = "k", scopes = read, allowedIps = Array.Empty<string>() }, "allowedIps");
        await AssertInvalidAsync(session, new { name = "k", scopes = read, dailyQuota = 0 }, "dailyQuota");
        await AssertInvalidAsync(session, new { name = "k", scopes = read, dailyQuota = 1_000_001 }, "dailyQuota");
        Assert.Equal(0L, await kit.ScalarAsync<long>("select count(*) from api_keys where user_id = $1", customer));

        // The operator may grant staff scopes up to its role.
        HttpResponseMessage ok = await kit.Session(op, Roles.Operator).PostAsJsonAsync(Keys, new { name = "k", scopes = new[] { ApiScopes.UsersRead, ApiScopes.NodesWrite } });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
    }

    [Fact]
    public async Task CreateApiKey_BeyondThePerUserLimit_IsValidationProblem()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(CreateApiKey_BeyondThePerUserLimit_IsValidationProblem),
            settings: new() { ["ApiKeys:MaxKeysPerUser"] = "2" });
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        HttpClient session = kit.Session(user, Roles.Customer);
        var request = new { name = "k", scopes = new[] { ApiScopes.SubscriptionsRead } };
        Assert.Equal(HttpStatusCode.Created, (await session.PostAsJsonAsync(Keys, request)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await session.PostAsJsonAsync(Keys, request)).StatusCode);
        await ProblemAssert.IsAsync(await session.PostAsJsonAsync(Keys, request), HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task ApiKeysEndpoints_CalledWithAKey_AreForbidden()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKeysEndpoints_CalledWithAKey_AreForbidden));
        Guid user = await kit.SeedUserAsync(Roles.Superuser);
        (_, string key) = await kit.InsertKeyAsync(user, [.. ApiScopes.All]);
        HttpClient client = kit.WithKey(key);

        await ProblemAssert.IsAsync(await client.PostAsJsonAsync(Keys, new { name = "copy", scopes = new[] { ApiScopes.SubscriptionsRead } }),
            HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await client.GetAsync(Keys), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await client.GetAsync("/api/v1/auth/me"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await client.PostAsJsonAsync("/api/v1/auth/change-password", new { currentPassword = "x", newPassword = "y" }),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task ApiKey_AsHeaderOrBearer_AuthenticatesAsItsUserWithRoleAndScope()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_AsHeaderOrBearer_AuthenticatesAsItsUserWithRoleAndScope));
        Guid op = await kit.SeedUserAsync(Roles.Operator);
        (_, string key) = await kit.InsertKeyAsync(op, [ApiScopes.UsersRead]);

        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(key).GetAsync("/api/v1/users/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(key, asBearer: true).GetAsync("/api/v1/users/")).StatusCode);
        // Role passes, scope does not.
        await ProblemAssert.IsAsync(await kit.WithKey(key).GetAsync("/api/v1/nodes/"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await kit.WithKey(key).PostAsJsonAsync("/api/v1/groups/", new { name = "g" }), HttpStatusCode.Forbidden, "forbidden");

        // A wrong key, a malformed one, and a key header beside an Authorization header all fail alike.
        await ProblemAssert.IsAsync(await kit.WithKey(ApiKeyToken.Create()).GetAsync("/api/v1/users/"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await kit.WithKey("vpk_short").GetAsync("/api/v1/users/"), HttpStatusCode.Unauthorized, "unauthenticated");
        HttpClient both = kit.WithKey(key);
        both.DefaultRequestHeaders.Authorization = new("Bearer", key);
        await ProblemAssert.IsAsync(await both.GetAsync("/api/v1/users/"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task ApiKey_ExpiredRevokedOrFromAnotherAddress_IsUnauthenticated()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_ExpiredRevokedOrFromAnotherAddress_IsUnauthenticated));
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        string[] read = [ApiScopes.SubscriptionsRead];
        (_, string expired) = await kit.InsertKeyAsync(user, read, expiresAt: DateTimeOffset.UtcNow.AddDays(-1));
        (_, string revoked) = await kit.InsertKeyAsync(user, read, revokedAt: DateTimeOffset.UtcNow.AddDays(-1));
        (_, string fenced) = await kit.InsertKeyAsync(user, read, allowedIps: ["10.1.0.0/16", "2001:db8::/32"]);

        await ProblemAssert.IsAsync(await kit.WithKey(expired).GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await kit.WithKey(revoked).GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(fenced, "10.1.2.3").GetAsync(Subscriptions)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(fenced, "::ffff:10.1.200.4").GetAsync(Subscriptions)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(fenced, "2001:db8:1::5").GetAsync(Subscriptions)).StatusCode);
        await ProblemAssert.IsAsync(await kit.WithKey(fenced, "10.2.0.1").GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await kit.WithKey(fenced, "2001:db9::1").GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await kit.WithKey(fenced, clientIp: null).GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task RevokeApiKey_WarmKey_IsRefusedByTheNextRequest()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(RevokeApiKey_WarmKey_IsRefusedByTheNextRequest));
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        Guid other = await kit.SeedUserAsync(Roles.Customer);
        await kit.WaitListeningAsync();
        HttpClient session = kit.Session(user, Roles.Customer);
        JsonElement created = await (await session.PostAsJsonAsync(Keys, new { name = "k", scopes = new[] { ApiScopes.SubscriptionsRead } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Guid id = created.GetProperty("id").GetGuid();
        HttpClient client = kit.WithKey(created.GetProperty("key").GetString()!);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);

        // Someone else's key answers like a missing one.
        await ProblemAssert.IsAsync(await kit.Session(other, Roles.Customer).DeleteAsync($"{Keys}/{id}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await session.DeleteAsync($"{Keys}/{id}")).StatusCode);
        // No wait: the revoking instance forgot the key before it answered.
        await ProblemAssert.IsAsync(await client.GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Empty((await session.GetFromJsonAsync<JsonElement>(Keys)).EnumerateArray());
        await ProblemAssert.IsAsync(await session.DeleteAsync($"{Keys}/{id}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task RevokeApiKey_OnAnotherInstance_EndsTheWarmKeyHereThroughTheNotice()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(RevokeApiKey_OnAnotherInstance_EndsTheWarmKeyHereThroughTheNotice));
        await using var other = new ApiFactory(kit.Api.Postgres, new Dictionary<string, string?> { [Passwords.CostKey] = "4" });
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        await kit.WaitListeningAsync();
        (Guid id, string key) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead]);
        HttpClient here = kit.WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync(Subscriptions)).StatusCode);
        Assert.True(kit.Services.GetRequiredService<ApiKeyCache>().Count > 0);

        HttpClient elsewhere = other.ClientAs(user, Roles.Customer);
        Assert.Equal(HttpStatusCode.NoContent, (await elsewhere.DeleteAsync($"{Keys}/{id}")).StatusCode);

        await ApiKeyKit.PollAsync(async () => (await here.GetAsync(Subscriptions)).StatusCode == HttpStatusCode.Unauthorized, "the key revoked elsewhere is refused");
    }

    [Fact]
    public async Task ApiKey_Warm_IsCheckedFromMemoryAndAColdOneFromPostgres()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_Warm_IsCheckedFromMemoryAndAColdOneFromPostgres));
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        await kit.WaitListeningAsync();
        (_, string warm) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead]);
        (_, string cold) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead]);
        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(warm).GetAsync(Subscriptions)).StatusCode);

        // Both rows go without a notice (triggers off for this statement): only a key read from memory still works.
        await kit.ExecuteAsync("set session_replication_role = replica; delete from api_keys; set session_replication_role = origin");

        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(warm).GetAsync(Subscriptions)).StatusCode);
        await ProblemAssert.IsAsync(await kit.WithKey(cold).GetAsync(Subscriptions), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task ApiKey_CreatorLoweredDisabledOrDeleted_LosesWhatTheRoleNoLongerAllows()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_CreatorLoweredDisabledOrDeleted_LosesWhatTheRoleNoLongerAllows));
        Guid op = await kit.SeedUserAsync(Roles.Operator);
        await kit.WaitListeningAsync();
        (_, string key) = await kit.InsertKeyAsync(op, [ApiScopes.UsersRead, ApiScopes.SubscriptionsRead]);
        HttpClient client = kit.WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/users/")).StatusCode);

        await kit.ExecuteAsync($"update users set role = 'customer' where id = '{op}'");
        await ApiKeyKit.PollAsync(async () => (await client.GetAsync("/api/v1/users/")).StatusCode == HttpStatusCode.Forbidden, "the demoted key is refused staff endpoints");
        // Its customer-level scope still works, as the customer's own.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);

        await kit.ExecuteAsync($"update users set disabled = true where id = '{op}'");
        await ApiKeyKit.PollAsync(async () => (await client.GetAsync(Subscriptions)).StatusCode == HttpStatusCode.Unauthorized, "a disabled account's key is refused");

        await kit.ExecuteAsync($"update users set disabled = false where id = '{op}'");
        await ApiKeyKit.PollAsync(async () => (await client.GetAsync(Subscriptions)).StatusCode == HttpStatusCode.OK, "the re-enabled account's key works");
        await kit.ExecuteAsync($"delete from users where id = '{op}'");
        await ApiKeyKit.PollAsync(async () => (await client.GetAsync(Subscriptions)).StatusCode == HttpStatusCode.Unauthorized, "a deleted account's key is refused");
    }

    [Fact]
    public async Task ApiKey_Used_WritesLastUseCoalescedAtTheFlush()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_Used_WritesLastUseCoalescedAtTheFlush),
            settings: new() { ["ApiKeys:LastUseFlushInterval"] = "01:00:00" });
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        (Guid id, string key) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead]);
        for (int i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(key).GetAsync(Subscriptions)).StatusCode);

        ApiKeyLastUse lastUse = kit.Services.GetRequiredService<ApiKeyLastUse>();
        Assert.Null(await kit.ScalarAsync<DateTime?>("select last_used_at from api_keys where id = $1", id));
        Assert.Equal(1, lastUse.Pending);
        Assert.Equal(1, await lastUse.FlushAsync(CancellationToken.None));
        Assert.NotNull(await kit.ScalarAsync<DateTime?>("select last_used_at from api_keys where id = $1", id));
        Assert.Equal(0, await lastUse.FlushAsync(CancellationToken.None));
    }

    private static async Task AssertInvalidAsync(HttpClient session, object body, string field)
    {
        JsonElement problem = await ProblemAssert.IsAsync(await session.PostAsJsonAsync(Keys, body), HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }
}
