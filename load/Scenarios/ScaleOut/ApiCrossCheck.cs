using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Load.Scenarios.Api;

namespace Vpn.Perf.Load.Scenarios.ScaleOut;

/// <summary>One observation of <see cref="ApiCrossCheck"/>: what was changed where, what the other instance answered, and how soon.</summary>
internal sealed record CrossCheckStep(string Name, bool Pass, double Milliseconds, string Detail);

/// <summary>
/// Two Api instances on one Postgres keep their caches exact across each other: each LISTENs to the notices the database's
/// triggers send (<c>config_changed</c> for rendered configs, <c>auth_changed</c> for revoked sessions), so a change made
/// through one instance reaches the other's cache without any call between them. The check warms both caches first
/// (a config fetched from each, a token used on each), then changes through one instance and polls the other, bounded,
/// until it answers the new state: suspended through A, B must answer 403; resumed through B, A must answer 200 again;
/// signed out through A, B must refuse the token.
/// </summary>
internal sealed class ApiCrossCheck
{
    /// <summary>The staff account's bcrypt cost (the minimum: the check signs in once, its cost is not what is measured).</summary>
    public const int BcryptCost = 4;

    private static readonly TimeSpan PropagationLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly Uri Me = new("/api/v1/auth/me", UriKind.Relative);

    private readonly Uri _a;
    private readonly Uri _b;
    private readonly string _linkToken;
    private readonly Guid _subscription;
    private readonly LoginUser _staff;
    private readonly List<CrossCheckStep> _prepared = [];
    private string? _token;

    private ApiCrossCheck(Uri a, Uri b, string linkToken, Guid subscription, LoginUser staff)
    {
        _a = a;
        _b = b;
        _linkToken = linkToken;
        _subscription = subscription;
        _staff = staff;
    }

    /// <summary>Seeds one subscription (one inbound) and one operator account straight into the database both instances share.</summary>
    public static async Task<ApiCrossCheck> SeedAsync(string postgres, Uri a, Uri b)
    {
        await using NpgsqlDataSource db = NpgsqlDataSource.Create(postgres);
        string linkToken = (await ApiSeeder.SeedSubscriptionsAsync(db, 1, 1))[0];
        LoginUser staff = (await ApiSeeder.SeedUsersAsync(db, 1, BcryptCost))[0];
        Guid subscription;
        await using (NpgsqlCommand find = db.CreateCommand("select id from subscriptions where link_token = $1"))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = linkToken });
            subscription = (Guid)(await find.ExecuteScalarAsync())!;
        }
        await using (NpgsqlCommand promote = db.CreateCommand("update users set role = 'operator' where email = $1"))
        {
            promote.Parameters.Add(new NpgsqlParameter { Value = staff.Email });
            await promote.ExecuteNonQueryAsync();
        }
        return new ApiCrossCheck(a, b, linkToken, subscription, staff);
    }

    private static Uri Config(string linkToken) => new($"/s/{linkToken}", UriKind.Relative);

    /// <summary>
    /// Before the load: signs in through Api A and warms both caches (the config fetched from each, the token used on B), so
    /// what the run does mid-window tests invalidation, not a miss, and is not slowed by a fresh instance's first requests.
    /// Failed preconditions are kept and reported by <see cref="RunAsync"/>.
    /// </summary>
    public async Task PrepareAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (var login = new HttpRequestMessage(HttpMethod.Post, new Uri(_a, "/api/v1/auth/login"))
        {
            Content = new ByteArrayContent(_staff.Body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        })
        {
            using HttpResponseMessage r = await http.SendAsync(login, ct);
            if (r.IsSuccessStatusCode)
            {
                using JsonDocument body = JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct));
                _token = body.RootElement.TryGetProperty("accessToken", out JsonElement t) ? t.GetString() : null;
            }
        }
        if (_token is null)
        {
            _prepared.Add(new CrossCheckStep("sign in through Api A", false, 0, "no access token"));
            return;
        }
        // Each precondition is checked, whatever the one before gave, so the report lists every one that failed.
        await ExpectAsync(_prepared, http, "config cached in Api A (200)", HttpMethod.Get, _a, Config(_linkToken), null, 200, ct);
        await ExpectAsync(_prepared, http, "config cached in Api B (200)", HttpMethod.Get, _b, Config(_linkToken), null, 200, ct);
        await ExpectAsync(_prepared, http, "token accepted by Api B (200)", HttpMethod.Get, _b, Me, _token, 200, ct);
    }

    /// <summary>Mid-run: each change through one instance, then the other polled until it answers the new state.</summary>
    public async Task<IReadOnlyList<CrossCheckStep>> RunAsync(CancellationToken ct)
    {
        var steps = new List<CrossCheckStep>(_prepared);
        if (_token is not { } token || steps.Count > 0) return steps;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Uri config = Config(_linkToken);
        Uri suspend = new($"/api/v1/subscriptions/{_subscription}/suspend", UriKind.Relative);
        Uri resume = new($"/api/v1/subscriptions/{_subscription}/resume", UriKind.Relative);
        if (await ExpectAsync(steps, http, "suspend through Api A", HttpMethod.Post, _a, suspend, token, 204, ct, orOk: true))
        {
            steps.Add(await UntilAsync(http, "config: suspended through Api A, Api B answers 403", _b, config, null, 403, ct));
        }
        if (await ExpectAsync(steps, http, "resume through Api B", HttpMethod.Post, _b, resume, token, 204, ct, orOk: true))
        {
            steps.Add(await UntilAsync(http, "config: resumed through Api B, Api A answers 200", _a, config, null, 200, ct));
        }
        if (await ExpectAsync(steps, http, "sign out through Api A", HttpMethod.Post, _a, new Uri("/api/v1/auth/logout", UriKind.Relative), token, 204, ct))
        {
            steps.Add(await UntilAsync(http, "access: signed out through Api A, Api B refuses the token (401)", _b, Me, token, 401, ct));
        }
        return steps;
    }

    /// <summary>Sends once; a step is recorded only when the answer is not the expected one (the preconditions are not results).</summary>
    private static async Task<bool> ExpectAsync(List<CrossCheckStep> steps, HttpClient http, string name, HttpMethod method, Uri api, Uri path,
        string? token, int expected, CancellationToken ct, bool orOk = false)
    {
        int status = await StatusAsync(http, method, new Uri(api, path), token, ct);
        if (status == expected || (orOk && status == 200)) return true;
        steps.Add(new CrossCheckStep(name, false, 0, string.Create(CultureInfo.InvariantCulture, $"{api}{path.OriginalString} answered {status}, expected {expected}")));
        return false;
    }

    /// <summary>Polls <paramref name="api"/> until it answers <paramref name="expected"/>, at most <see cref="PropagationLimit"/>.</summary>
    private static async Task<CrossCheckStep> UntilAsync(HttpClient http, string name, Uri api, Uri path, string? token, int expected, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        long deadline = started + RunWindow.Ticks(PropagationLimit);
        int status;
        int polls = 0;
        while (true)
        {
            status = await StatusAsync(http, HttpMethod.Get, new Uri(api, path), token, ct);
            polls++;
            if (status == expected || Stopwatch.GetTimestamp() >= deadline) break;
            await Task.Delay(PollInterval, ct);
        }
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return status == expected
            ? new CrossCheckStep(name, true, ms, string.Create(CultureInfo.InvariantCulture, $"after {polls} request(s)"))
            : new CrossCheckStep(name, false, ms, string.Create(CultureInfo.InvariantCulture,
                $"still {status} after {PropagationLimit.TotalSeconds:0} s ({polls} requests)"));
    }

    /// <summary>The answer's status; 0 for a transport error.</summary>
    private static async Task<int> StatusAsync(HttpClient http, HttpMethod method, Uri url, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using HttpResponseMessage r = await http.SendAsync(request, ct);
            return (int)r.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return 0;
        }
    }
}
