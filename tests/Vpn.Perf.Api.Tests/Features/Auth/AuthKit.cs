using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Tests.Features.Mail;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

/// <summary>Shared arrange steps of the auth tests: a host with bcrypt cost 4, users seeded in SQL, sign-in helpers.</summary>
internal static partial class AuthKit
{
    public const string Password = "correct horse 42";

    /// <summary>Where the links of account mail point in tests (a path included, as a site may have one).</summary>
    public const string PublicBaseUrl = "https://vpn.example.test/account";

    // Needs a token (401 without a valid one) but no database (404): what answers is the token check alone.
    public const string Probe = "/api/v1/nothing-here";

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

    /// <summary>Settings that send the Api's mail to the capturing SMTP server (<see cref="MailTest"/>) with links to <see cref="PublicBaseUrl"/>.</summary>
    public static Dictionary<string, string?> MailSettings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Smtp:Host"] = MailTest.SmtpEndPoint.Host,
            ["Mail:Smtp:Port"] = MailTest.SmtpEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mail:Smtp:Security"] = "None",
            ["Mail:Smtp:From"] = MailTest.From,
            ["Auth:PublicBaseUrl"] = PublicBaseUrl,
        };
        if (more is not null)
        {
            foreach (var (key, value) in more) settings[key] = value;
        }
        return settings;
    }

    /// <summary>
    /// Waits until the capturing server holds <paramref name="count"/> messages for <paramref name="recipient"/> and
    /// returns the newest one's link token for <paramref name="path"/> (<c>verify-email</c>, <c>reset-password</c>).
    /// </summary>
    public static async Task<string> MailedTokenAsync(string recipient, string path, int count = 1)
    {
        await StateSync.SyncTest.UntilAsync(() => Task.FromResult(MailTest.Captured(recipient).Count >= count), $"mail {count} to {recipient}");
        List<MimeKit.MimeMessage> mail = MailTest.Captured(recipient);
        Assert.Equal(count, mail.Count);
        string text = mail[^1].TextBody ?? "";
        Match link = MailLink().Match(text);
        Assert.True(link.Success, "no link in: " + text);
        Assert.Equal(PublicBaseUrl + "/" + path, link.Groups["base"].Value);
        // The HTML part carries the same link.
        Assert.Contains(link.Value, mail[^1].HtmlBody, StringComparison.Ordinal);
        return link.Groups["token"].Value;
    }

    [GeneratedRegex(@"(?<base>https://\S+?)#token=(?<token>[A-Za-z0-9_-]{43})")]
    private static partial Regex MailLink();

    public static Task WaitListeningAsync(ApiFactory api)
    {
        AccessRevocationCache cache = api.Services.GetRequiredService<AccessRevocationCache>();
        return PollAsync(() => Task.FromResult(cache.IsListening), "the auth_changed listener is up");
    }

    public static async Task AssertAcceptedAsync(HttpClient client)
        => await ProblemAssert.IsAsync(await client.GetAsync(Probe), HttpStatusCode.NotFound, "not-found");

    /// <summary>Waits for an access token to be refused (the revocation NOTIFY reached the Api), then asserts the 401 problem.</summary>
    public static async Task EventuallyRefusedAsync(HttpClient client, string what)
    {
        await PollAsync(async () => (await client.GetAsync(Probe)).StatusCode == HttpStatusCode.Unauthorized, what + " is refused");
        await ProblemAssert.IsAsync(await client.GetAsync(Probe), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    /// <summary>A bounded wait for something another connection causes (a NOTIFY); it never decides by elapsed time alone.</summary>
    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }
}
