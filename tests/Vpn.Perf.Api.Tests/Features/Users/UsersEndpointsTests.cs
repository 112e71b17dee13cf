using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Users;

public sealed class UsersEndpointsTests
{
    [Fact]
    public async Task CreateUser_OperatorCreatesCustomer_HashesWithConfiguredCostAndAudits()
    {
        await using var api = await StartAsync(nameof(CreateUser_OperatorCreatesCustomer_HashesWithConfiguredCostAndAudits));
        JsonElement user = await PostAsync(Operator(api), "/api/v1/users",
            new { email = " Alice@Example.COM ", role = Roles.Customer, password = "correct horse" }, HttpStatusCode.Created);
        Assert.Equal("alice@example.com", user.GetProperty("email").GetString());
        Assert.Equal(Roles.Customer, user.GetProperty("role").GetString());
        Assert.False(user.GetProperty("disabled").GetBoolean());
        Assert.False(user.TryGetProperty("passwordHash", out _));

        string hash = await ScalarAsync<string>(api, "select password_hash from users where id = $1", Guid.Parse(user.GetProperty("id").GetString()!));
        Assert.StartsWith("$2b$04$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.Equal(1L, await AuditCountAsync(api, "user.create"));
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from audit_log where meta::text like '%correct horse%'"));
    }

    [Fact]
    public async Task CreateUser_InvalidFields_Returns400WithFieldErrors()
    {
        await using var api = await StartAsync(nameof(CreateUser_InvalidFields_Returns400WithFieldErrors));
        HttpClient staff = Superuser(api);
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/users", new { email = "not-an-email", role = "admin", password = "short" }),
            "email", "password", "role");
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/users", new { username = "a b", role = Roles.Operator, password = new string('p', 73) }),
            "password", "username");
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/users", new { role = Roles.Customer, password = "long enough" }), "email");
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from users"));
    }

    [Fact]
    public async Task CreateUser_DuplicateEmailOrUsername_Returns409()
    {
        await using var api = await StartAsync(nameof(CreateUser_DuplicateEmailOrUsername_Returns409));
        HttpClient staff = Superuser(api);
        await PostAsync(staff, "/api/v1/users", new { email = "bob@example.com", role = Roles.Customer, password = "password-01" }, HttpStatusCode.Created);
        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync("/api/v1/users", new { email = "BOB@example.com", role = Roles.Customer, password = "password-01" }),
            HttpStatusCode.Conflict, "conflict");
        await PostAsync(staff, "/api/v1/users", new { username = "ops", role = Roles.Operator, password = "password-01" }, HttpStatusCode.Created);
        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync("/api/v1/users", new { username = "ops", role = Roles.Customer, password = "password-01" }),
            HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task CreateUser_OperatorCreatingStaff_Returns403AndSuperuserMay()
    {
        await using var api = await StartAsync(nameof(CreateUser_OperatorCreatingStaff_Returns403AndSuperuserMay));
        foreach (string role in new[] { Roles.Operator, Roles.Superuser })
        {
            await ProblemAssert.IsAsync(await Operator(api).PostAsJsonAsync("/api/v1/users", new { username = "new-" + role, role, password = "password-01" }),
                HttpStatusCode.Forbidden, "forbidden");
            await PostAsync(Superuser(api), "/api/v1/users", new { username = "new-" + role, role, password = "password-01" }, HttpStatusCode.Created);
        }
    }

    [Fact]
    public async Task UpdateUser_RoleRules_OperatorsManageCustomersOnly()
    {
        await using var api = await StartAsync(nameof(UpdateUser_RoleRules_OperatorsManageCustomersOnly));
        Guid customer = await InsertUserAsync(api, Roles.Customer);
        Guid op = await InsertUserAsync(api, Roles.Operator, username: "op1");
        Guid super = await InsertUserAsync(api, Roles.Superuser, username: "root");
        HttpClient operatorClient = Operator(api);

        JsonElement disabled = await JsonAsync(await operatorClient.PatchAsJsonAsync($"/api/v1/users/{customer}", new { disabled = true }), HttpStatusCode.OK);
        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        await ProblemAssert.IsAsync(await operatorClient.PatchAsJsonAsync($"/api/v1/users/{customer}", new { role = Roles.Operator }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await operatorClient.PatchAsJsonAsync($"/api/v1/users/{op}", new { disabled = true }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await operatorClient.PatchAsJsonAsync($"/api/v1/users/{super}", new { password = "password-02" }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await operatorClient.DeleteAsync($"/api/v1/users/{op}"), HttpStatusCode.Forbidden, "forbidden");
        Assert.False(await ScalarAsync<bool>(api, "select disabled from users where id = $1", op));

        JsonElement promoted = await JsonAsync(await Superuser(api).PatchAsJsonAsync($"/api/v1/users/{op}", new { role = Roles.Superuser, disabled = true }), HttpStatusCode.OK);
        Assert.Equal(Roles.Superuser, promoted.GetProperty("role").GetString());
        Assert.True(promoted.GetProperty("disabled").GetBoolean());
        Assert.Equal(2L, await AuditCountAsync(api, "user.update"));

        JsonElement repassworded = await JsonAsync(await operatorClient.PatchAsJsonAsync($"/api/v1/users/{customer}", new { password = "new password" }), HttpStatusCode.OK);
        Assert.True(repassworded.GetProperty("disabled").GetBoolean()); // absent fields are unchanged
        Assert.True(PasswordHasher.Verify("new password", await ScalarAsync<string>(api, "select password_hash from users where id = $1", customer)));
    }

    [Fact]
    public async Task UpdateUser_OwnAccountDisableDemoteOrDelete_Returns403()
    {
        await using var api = await StartAsync(nameof(UpdateUser_OwnAccountDisableDemoteOrDelete_Returns403));
        Guid root = await InsertUserAsync(api, Roles.Superuser, username: "root");
        HttpClient self = api.ClientAs(root, Roles.Superuser);
        await ProblemAssert.IsAsync(await self.PatchAsJsonAsync($"/api/v1/users/{root}", new { disabled = true }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await self.PatchAsJsonAsync($"/api/v1/users/{root}", new { role = Roles.Operator }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await self.DeleteAsync($"/api/v1/users/{root}"), HttpStatusCode.Forbidden, "forbidden");
        await JsonAsync(await self.PatchAsJsonAsync($"/api/v1/users/{root}", new { password = "a new password" }), HttpStatusCode.OK);
        Assert.Equal(Roles.Superuser, await ScalarAsync<string>(api, "select role from users where id = $1", root));
    }

    [Fact]
    public async Task UpdateUser_InvalidOrDuplicate_Returns400Or409()
    {
        await using var api = await StartAsync(nameof(UpdateUser_InvalidOrDuplicate_Returns400Or409));
        Guid a = await InsertUserAsync(api, Roles.Customer, email: "a@example.com");
        await InsertUserAsync(api, Roles.Customer, email: "b@example.com");
        HttpClient staff = Operator(api);
        await ValidationAsync(await staff.PatchAsJsonAsync($"/api/v1/users/{a}", new { email = "nope", role = "root" }), "email", "role");
        await ProblemAssert.IsAsync(await staff.PatchAsJsonAsync($"/api/v1/users/{a}", new { email = "b@example.com" }), HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task UserEndpoints_UnknownId_Return404()
    {
        await using var api = await StartAsync(nameof(UserEndpoints_UnknownId_Return404));
        HttpClient staff = Superuser(api);
        Guid unknown = Ids.NewId();
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/users/{unknown}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.PatchAsJsonAsync($"/api/v1/users/{unknown}", new { disabled = true }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.DeleteAsync($"/api/v1/users/{unknown}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.PutAsync($"/api/v1/users/{unknown}/groups/{unknown}", null), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task DeleteUser_Customer_RemovesUserAndSubscriptions()
    {
        await using var api = await StartAsync(nameof(DeleteUser_Customer_RemovesUserAndSubscriptions));
        Guid customer = await InsertUserAsync(api, Roles.Customer);
        await ExecAsync(api, "insert into subscriptions (id, owner_id, secret) values ($1, $2, 's')", Ids.NewId(), customer);
        Assert.Equal(HttpStatusCode.NoContent, (await Operator(api).DeleteAsync($"/api/v1/users/{customer}")).StatusCode);
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from subscriptions"));
        Assert.Equal(1L, await AuditCountAsync(api, "user.delete"));
    }

    [Fact]
    public async Task ListUsers_FiltersAndPages_SelectExactlyTheMatchingUsers()
    {
        await using var api = await StartAsync(nameof(ListUsers_FiltersAndPages_SelectExactlyTheMatchingUsers));
        Guid alice = await InsertUserAsync(api, Roles.Customer, email: "alice@example.com");
        Guid albert = await InsertUserAsync(api, Roles.Customer, email: "albert@example.com");
        Guid bob = await InsertUserAsync(api, Roles.Customer, email: "bob@example.com");
        Guid ops = await InsertUserAsync(api, Roles.Operator, username: "al_ops");
        Guid percent = await InsertUserAsync(api, Roles.Operator, username: "alxops");
        await ExecAsync(api, "update users set disabled = true where id = $1", bob);
        HttpClient staff = Operator(api);

        async Task<Guid[]> IdsAsync(string query)
        {
            JsonElement page = await JsonAsync(await staff.GetAsync("/api/v1/users" + query), HttpStatusCode.OK);
            return [.. page.GetProperty("items").EnumerateArray().Select(u => Guid.Parse(u.GetProperty("id").GetString()!))];
        }

        Guid[] all = Newest([alice, albert, bob, ops, percent]);
        Assert.Equal(all, await IdsAsync(""));
        Assert.Equal(Newest([percent, ops]), await IdsAsync("?role=operator"));
        Assert.Equal([bob], await IdsAsync("?disabled=true"));
        Assert.Equal(Newest([albert, alice]), await IdsAsync("?q=AL&role=customer"));
        Assert.Equal([ops], await IdsAsync("?q=al_")); // '_' is literal, not a wildcard
        Assert.Equal(all[..2], await IdsAsync("?limit=2"));
        Assert.Equal(all[2..4], await IdsAsync($"?limit=2&after={all[1]}"));
        await ValidationAsync(await staff.GetAsync("/api/v1/users?role=admin"), "role");
    }

    [Fact]
    public async Task Membership_AddAndRemove_ChangesGroupIdsAndEffectiveLimits()
    {
        await using var api = await StartAsync(nameof(Membership_AddAndRemove_ChangesGroupIdsAndEffectiveLimits));
        HttpClient staff = Operator(api);
        Guid customer = await InsertUserAsync(api, Roles.Customer);
        Guid operatorUser = await InsertUserAsync(api, Roles.Operator, username: "op");
        string group = (await PostAsync(staff, "/api/v1/groups", new { name = "g", maxTraffic = 500L }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        Guid sub = Ids.NewId();
        await ExecAsync(api, "insert into subscriptions (id, owner_id, secret) values ($1, $2, 's')", sub, customer);

        Assert.Equal(HttpStatusCode.NoContent, (await staff.PutAsync($"/api/v1/users/{customer}/groups/{group}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PutAsync($"/api/v1/users/{customer}/groups/{group}", null)).StatusCode); // idempotent
        JsonElement user = await JsonAsync(await staff.GetAsync($"/api/v1/users/{customer}"), HttpStatusCode.OK);
        Assert.Equal(group, Assert.Single(user.GetProperty("groupIds").EnumerateArray()).GetString());
        JsonElement subscription = await JsonAsync(await staff.GetAsync($"/api/v1/subscriptions/{sub}"), HttpStatusCode.OK);
        Assert.Equal(500L, subscription.GetProperty("effective").GetProperty("maxTraffic").GetInt64());
        Assert.Equal(1L, await AuditCountAsync(api, "user.group.add"));

        await ProblemAssert.IsAsync(await staff.PutAsync($"/api/v1/users/{customer}/groups/{Ids.NewId()}", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.PutAsync($"/api/v1/users/{operatorUser}/groups/{group}", null), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/users/{customer}/groups/{group}")).StatusCode);
        await ProblemAssert.IsAsync(await staff.DeleteAsync($"/api/v1/users/{customer}/groups/{group}"), HttpStatusCode.NotFound, "not-found");
        subscription = await JsonAsync(await staff.GetAsync($"/api/v1/subscriptions/{sub}"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, subscription.GetProperty("effective").GetProperty("maxTraffic").ValueKind);
        Assert.Equal(1L, await AuditCountAsync(api, "user.group.remove"));
    }

    [Fact]
    public async Task UserEndpoints_AnonymousOrCustomer_AreRefused()
    {
        await using var api = await StartAsync(nameof(UserEndpoints_AnonymousOrCustomer_AreRefused));
        string id = Ids.NewId().ToString();
        await RefusedAsync(api, Roles.Customer,
        [
            (HttpMethod.Post, "/api/v1/users"), (HttpMethod.Get, "/api/v1/users"), (HttpMethod.Get, $"/api/v1/users/{id}"),
            (HttpMethod.Patch, $"/api/v1/users/{id}"), (HttpMethod.Delete, $"/api/v1/users/{id}"),
            (HttpMethod.Put, $"/api/v1/users/{id}/groups/{id}"), (HttpMethod.Delete, $"/api/v1/users/{id}/groups/{id}"),
        ]);
    }
}
