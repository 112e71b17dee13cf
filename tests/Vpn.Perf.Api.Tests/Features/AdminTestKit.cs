using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features;

/// <summary>Arrange and assert helpers shared by the administration tests: a low bcrypt cost, direct SQL, JSON reads.</summary>
internal static class AdminTestKit
{
    /// <summary>bcrypt cost 4 keeps user tests fast; production uses Auth:BcryptCost (default 12).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?> { ["Auth:BcryptCost"] = "4" };

    public static Task<ApiFactory> StartAsync(string testName) => ApiFactory.StartAsync(testName, Settings);

    public static async Task<Guid> InsertUserAsync(ApiFactory api, string role, string? email = null, string? username = null)
    {
        Guid id = Ids.NewId();
        if (email is null && username is null) email = id.ToString("N") + "@example.com";
        await ExecAsync(api, "insert into users (id, email, username, password_hash, role) values ($1, $2, $3, 'x', $4)",
            id, (object?)email ?? DBNull.Value, (object?)username ?? DBNull.Value, role);
        return id;
    }

    public static async Task ExecAsync(ApiFactory api, string sql, params object[] args)
    {
        await using NpgsqlDataSource db = api.OpenDataSource();
        await TestSql.ExecAsync(db, sql, args);
    }

    public static async Task<T> ScalarAsync<T>(ApiFactory api, string sql, params object[] args)
    {
        await using NpgsqlDataSource db = api.OpenDataSource();
        return await TestSql.ScalarAsync<T>(db, sql, args);
    }

    public static Task<long> AuditCountAsync(ApiFactory api, string action)
        => ScalarAsync<long>(api, "select count(*) from audit_log where action = $1", action);

    public static HttpClient Superuser(ApiFactory api) => api.ClientAs(Guid.NewGuid(), Roles.Superuser);

    public static HttpClient Operator(ApiFactory api) => api.ClientAs(Guid.NewGuid(), Roles.Operator);

    public static Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
        => TestSql.JsonAsync(response, expected);

    public static async Task<JsonElement> PostAsync(HttpClient client, string url, object body, HttpStatusCode expected)
        => await JsonAsync(await client.PostAsJsonAsync(url, body), expected);

    /// <summary>Asserts a 400 validation problem naming exactly these fields.</summary>
    public static async Task ValidationAsync(HttpResponseMessage response, params string[] fields)
    {
        JsonElement problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "validation");
        string[] actual = [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(fields.Order(StringComparer.Ordinal), actual);
    }

    /// <summary>Every request is refused: 401 without a token, 403 with a token of the wrong role.</summary>
    public static async Task RefusedAsync(ApiFactory api, string wrongRole, IEnumerable<(HttpMethod Method, string Url)> endpoints)
    {
        HttpClient anonymous = api.CreateClient();
        HttpClient wrong = api.ClientAs(Guid.NewGuid(), wrongRole);
        foreach ((HttpMethod method, string url) in endpoints)
        {
            await ProblemAssert.IsAsync(await anonymous.SendAsync(Request(method, url)), HttpStatusCode.Unauthorized, "unauthenticated");
            await ProblemAssert.IsAsync(await wrong.SendAsync(Request(method, url)), HttpStatusCode.Forbidden, "forbidden");
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string url)
        => new(method, url) { Content = method == HttpMethod.Get || method == HttpMethod.Delete ? null : JsonContent.Create(new { }) };

    /// <summary>
    /// The order of a list (newest first = uuid descending, as Postgres compares them: the text form, ordinally).
    /// UUIDv7 ids made within one millisecond are not ordered among themselves, so tests sort rather than assume.
    /// </summary>
    public static T[] Newest<T>(IEnumerable<T> ids) => [.. ids.OrderByDescending(i => i!.ToString(), StringComparer.Ordinal)];
}
