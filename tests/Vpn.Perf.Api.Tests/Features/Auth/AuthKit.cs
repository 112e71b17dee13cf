using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

/// <summary>Shared arrange steps of the auth tests: a host with bcrypt cost 4, users seeded in SQL, sign-in helpers.</summary>
internal static class AuthKit
{
    public const string Password = "correct horse 42";

    /// <summary>Starts the Api on a database of the test's own; the prefix keeps names apart from other features' tests.</summary>
    public static Task<ApiFactory> StartAsync(string testName, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { [Passwords.CostKey] = "4" };
        if (settings is not null)
        {
            foreach (var (key, value) in settings) all[key] = value;
        }
        return ApiFactory.StartAsync("Auth." + testName, all);
    }

    public static async Task<Guid> SeedUserAsync(ApiFactory api, string? email = null, string? username = null, string role = Roles.Customer,
        string password = Password, bool disabled = false, string? hash = null)
    {
        var id = Ids.NewId();
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using var cmd = db.CreateCommand("insert into users (id, email, username, password_hash, role, disabled) values ($1, $2, $3, $4, $5, $6)");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)email ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)username ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash ?? PasswordHasher.Hash(password, cost: 4) });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = role });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = disabled });
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body)
        => client.PostAsJsonAsync("/api/v1/auth/" + path, body);

    public static async Task<TokenResponse> ReadTokensAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<TokenResponse>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>Asserts register's one answer (202, the generic body, no tokens) and returns the body's text.</summary>
    public static async Task<string> RegisteredAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain("Token", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("accepted", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        return body;
    }

    public static async Task<TokenResponse> LoginAsync(ApiFactory api, object body)
        => await ReadTokensAsync(await PostAsync(api.CreateClient(), "login", body));

    public static Task<HttpResponseMessage> RefreshAsync(ApiFactory api, string refreshToken)
        => PostAsync(api.CreateClient(), "refresh", new { refreshToken });

    /// <summary>A client that carries the access token of a real sign-in (its <c>sid</c> is a stored session).</summary>
    public static HttpClient ClientWith(ApiFactory api, TokenResponse tokens)
    {
        HttpClient client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return client;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>Asserts a 400 <c>validation</c> problem whose <c>errors</c> name exactly the given fields.</summary>
    public static async Task ValidationAsync(HttpResponseMessage response, params string[] fields)
    {
        JsonElement problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "validation");
        string[] named = [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(fields.Order(StringComparer.Ordinal), named);
    }

    public static async Task<T?> ScalarAsync<T>(ApiFactory api, string sql, params object[] args)
    {
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using var cmd = db.CreateCommand(sql);
        foreach (object arg in args) cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        object? value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public static async Task<int> ExecuteAsync(ApiFactory api, string sql, params object[] args)
    {
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using var cmd = db.CreateCommand(sql);
        foreach (object arg in args) cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        return await cmd.ExecuteNonQueryAsync();
    }
}
