using System.Diagnostics;
using System.Text.Json;
using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Scenarios.Api;

/// <summary>
/// Sign-ins: each request logs the next seeded user in (round robin over all of them) with
/// <c>POST /api/v1/auth/login</c>. A 200 must carry a JSON body with an access token.
/// <para>
/// The Api limits sign-ins per client IP and per account (fixed one-minute windows). When the tool started the Api
/// those limits are raised for the run; otherwise a closed-model run is paced to <paramref name="maxRate"/> (one start
/// every 1/maxRate s across all workers, users in turn, so neither limit is reached), and a 429 makes its lane wait
/// the Retry-After it was given.
/// </para>
/// </summary>
/// <remarks><paramref name="runLength"/> (warm-up + duration, the run starting right after construction) bounds a 429 pause.</remarks>
internal sealed class LoginSender(HttpClient http, Uri target, LoginUser[] users, int lanes, double? maxRate, TimeSpan runLength,
    RunCounters counters, LatencyRecorder latency) : ILaneIssuer
{
    private const string Json = "application/json";
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    private readonly Uri _url = new(target, "/api/v1/auth/login");
    private readonly long _spacing = maxRate is { } r ? (long)(Stopwatch.Frequency / r) : 0;
    private readonly Lock _pace = new();
    private long _nextSlot;
    private readonly long _end = Stopwatch.GetTimestamp() + RunWindow.Ticks(runLength);
    private long _next = -1;

    public int Lanes => lanes;

    public InvalidAnswers Invalid { get; } = new();

    public async Task IssueAsync(int lane, long startTimestamp, CancellationToken ct)
    {
        long n;
        if (_spacing > 0)
        {
            (long slot, n) = TakeSlot();
            TimeSpan wait = RunWindow.Until(slot);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            // The pause is the pacing's, not the server's: latency counts from the slot.
            startTimestamp = Math.Max(startTimestamp, slot);
        }
        else
        {
            n = Interlocked.Increment(ref _next);
        }
        LoginUser user = users[(int)(n % users.Length)];
        counters.Attempt();
        TimeSpan? pause = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new BodyContent(user.Body, Json, gzip: false) };
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            byte[] body = await response.Content.ReadAsByteArrayAsync(ct);
            latency.Record(startTimestamp);
            int status = (int)response.StatusCode;
            counters.Answered(status);
            if (status == 200)
            {
                if (HasAccessToken(body)) counters.Accepted(0, 0, body.Length, body.Length, duplicate: false);
                else Invalid.Add($"{user.Email}: 200 without an access token");
                return;
            }
            counters.Failed(status);
            if (status == 429)
            {
                TimeSpan after = response.Headers.RetryAfter?.Delta ?? MaxRetryAfter;
                pause = after < MaxRetryAfter ? after : MaxRetryAfter;
            }
            else
            {
                Invalid.Add($"{user.Email}: status {status}: {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}");
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or IOException or TaskCanceledException)
        {
            counters.Failed(0);
        }
        if (pause is { } p)
        {
            // Respect the limit: this lane waits as told, but never past the end of the load.
            TimeSpan left = RunWindow.Until(_end);
            await Task.Delay(p < left ? p : left, ct);
        }
    }

    /// <summary>
    /// The next start time, never closer than the spacing to the previous one (a late start does not let the next
    /// catch up), and the user in the same order, so each account's starts are exactly users x spacing apart or more.
    /// </summary>
    private (long Slot, long N) TakeSlot()
    {
        lock (_pace)
        {
            long slot = Math.Max(Stopwatch.GetTimestamp(), _nextSlot);
            _nextSlot = slot + _spacing;
            return (slot, ++_next);
        }
    }

    private static bool HasAccessToken(byte[] body)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("accessToken", out JsonElement token) && token.ValueKind == JsonValueKind.String && token.GetString()!.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
