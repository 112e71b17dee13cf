using System.Text.Json;
using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Scenarios.Api;

/// <summary>
/// Apps refreshing their config: each lane is one client at a time, fetching <c>GET /s/{token}</c> of the subscriptions in
/// turn (round robin over all of them, so every fetch of a warm run is a cache hit of a different entry). A share of
/// fetches sends <c>If-None-Match</c> with the ETag the subscription answered before, expecting 304 and no body.
/// With <c>hwid</c>, every fetch carries the device headers an app sends (<c>x-hwid</c>, <c>x-device-os</c>,
/// <c>x-ver-os</c>, <c>x-device-model</c>, <c>User-Agent</c>): each subscription is one simulated app on its own device,
/// <c>x-hwid: load-&lt;subscription #&gt;</c>, registered by its priming fetch, so the measured fetches are known devices.
/// <para>
/// The quick check: <see cref="PrimeAsync"/> fetches every subscription once and parses each body (JSON, and with
/// <c>expectedProxies</c> the number of proxy outbounds); afterwards a 200 must carry those very bytes (a memory
/// compare, cheap enough not to load the generator) and a 304 must answer a sent ETag with an empty body. Anything
/// else is counted as invalid.
/// </para>
/// </summary>
internal sealed class ConfigFetcher : ILaneIssuer
{
    private readonly HttpClient _http;
    private readonly Uri[] _urls;
    private readonly string?[] _etags;
    private readonly byte[]?[] _bodies;
    private readonly double _ifNoneMatch;
    private readonly int? _expectedProxies;
    private readonly RunCounters _counters;
    private readonly LatencyRecorder _latency;
    private readonly Random[] _random;
    private readonly byte[][] _buffers;
    private readonly string[]? _hwids;
    private readonly InvalidAnswers _invalid = new();
    private long _next = -1;

    public ConfigFetcher(HttpClient http, Uri target, IReadOnlyList<string> linkTokens, int lanes, double ifNoneMatch, int? expectedProxies,
        int seed, RunCounters counters, LatencyRecorder latency, bool hwid = false)
    {
        // Made once: a request adds the string, it does not format one.
        _hwids = hwid ? [.. Enumerable.Range(0, linkTokens.Count).Select(static i => "load-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))] : null;
        _http = http;
        // The format named in the path: the body is checked as sing-box JSON, whatever the User-Agent would choose.
        _urls = [.. linkTokens.Select(token => new Uri(target, "/s/" + token + "/singbox"))];
        _etags = new string?[_urls.Length];
        _bodies = new byte[]?[_urls.Length];
        _ifNoneMatch = ifNoneMatch;
        _expectedProxies = expectedProxies;
        _counters = counters;
        _latency = latency;
        _random = new Random[lanes];
        _buffers = new byte[lanes][];
        for (int i = 0; i < lanes; i++)
        {
            _random[i] = new Random(seed + i);
            _buffers[i] = new byte[16 << 10];
        }
    }

    public int Lanes => _random.Length;

    public InvalidAnswers Invalid => _invalid;

    /// <summary>Mean size of the primed bodies: what the reference server is asked to answer.</summary>
    public double MeanBodyBytes => _bodies.Where(static b => b is not null).Select(static b => (double)b!.Length).DefaultIfEmpty(0).Average();

    /// <summary>
    /// Fetches every subscription once with a few requests in flight (warming the Api's cache: one Postgres query and a
    /// render each), checks each body and keeps it with its ETag. Not measured; invalid answers are counted.
    /// </summary>
    public async Task PrimeAsync(int parallel)
    {
        int next = -1;
        var workers = new Task[parallel];
        for (int w = 0; w < parallel; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < _urls.Length)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, _urls[i]);
                    AddDevice(request, i);
                    using HttpResponseMessage r = await _http.SendAsync(request);
                    byte[] body = await r.Content.ReadAsByteArrayAsync();
                    if (r.StatusCode != System.Net.HttpStatusCode.OK)
                    {
                        _invalid.Add($"prime subscription #{i}: status {(int)r.StatusCode}: {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}");
                        continue;
                    }
                    if (Check(body) is { } problem)
                    {
                        _invalid.Add($"prime subscription #{i}: {problem}");
                        continue;
                    }
                    _bodies[i] = body;
                    _etags[i] = r.Headers.ETag?.ToString();
                }
            });
        }
        await Task.WhenAll(workers);
    }

    public async Task IssueAsync(int lane, long startTimestamp, CancellationToken ct)
    {
        int i = (int)((ulong)Interlocked.Increment(ref _next) % (ulong)_urls.Length);
        string? etag = _etags[i];
        bool conditional = etag is not null && _ifNoneMatch > 0 && _random[lane].NextDouble() < _ifNoneMatch;
        _counters.Attempt();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _urls[i]);
            if (conditional) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            AddDevice(request, i);
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            int length = await ReadAsync(response, lane, ct);
            _latency.Record(startTimestamp);
            int status = (int)response.StatusCode;
            _counters.Answered(status);
            if (status is not (200 or 304))
            {
                _counters.Failed(status);
                return;
            }
            ReadOnlySpan<byte> body = _buffers[lane].AsSpan(0, length);
            string? problem = status == 304
                ? !conditional ? "304 to a request without If-None-Match" : length != 0 ? "304 with a body" : null
                : conditional ? "200 to a current ETag (expected 304)"
                : _bodies[i] is { } expected ? (body.SequenceEqual(expected) ? null : Check(body.ToArray()) ?? "the body changed during the run")
                : Check(body.ToArray());
            if (problem is not null)
            {
                _invalid.Add($"subscription #{i}: {problem}");
                return;
            }
            _counters.Accepted(0, 0, length, length, duplicate: false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or IOException or TaskCanceledException)
        {
            _counters.Failed(0); // transport error or request timeout
        }
    }

    private void AddDevice(HttpRequestMessage request, int subscription)
    {
        if (_hwids is null) return;
        request.Headers.TryAddWithoutValidation("x-hwid", _hwids[subscription]);
        request.Headers.TryAddWithoutValidation("x-device-os", "Android");
        request.Headers.TryAddWithoutValidation("x-ver-os", "14");
        request.Headers.TryAddWithoutValidation("x-device-model", "Pixel 8");
        request.Headers.TryAddWithoutValidation("User-Agent", "Happ/3.1.0");
    }

    /// <summary>Reads the whole body into the lane's buffer, growing it when a config is larger than any before.</summary>
    private async ValueTask<int> ReadAsync(HttpResponseMessage response, int lane, CancellationToken ct)
    {
        await using Stream stream = await response.Content.ReadAsStreamAsync(ct);
        int total = 0;
        while (true)
        {
            byte[] buffer = _buffers[lane];
            if (total == buffer.Length) Array.Resize(ref _buffers[lane], buffer.Length * 2);
            int n = await stream.ReadAsync(_buffers[lane].AsMemory(total), ct);
            if (n == 0) return total;
            total += n;
        }
    }

    /// <summary>Null when <paramref name="body"/> is a JSON object (with <c>expectedProxies</c>: with that many proxy outbounds).</summary>
    private string? Check(byte[] body)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return "the body is not a JSON object";
            if (_expectedProxies is not { } expected) return null;
            if (!doc.RootElement.TryGetProperty("outbounds", out JsonElement outbounds) || outbounds.ValueKind != JsonValueKind.Array)
            {
                return "no outbounds array";
            }
            int proxies = outbounds.EnumerateArray().Count(static o =>
                o.TryGetProperty("type", out JsonElement t) && t.GetString() is "vless" or "vmess" or "trojan" or "shadowsocks" or "hysteria2" or "tuic");
            return proxies == expected ? null : $"{proxies} proxy outbounds, expected {expected} (an inbound was skipped)";
        }
        catch (JsonException ex)
        {
            return "invalid JSON: " + ex.Message;
        }
    }
}

/// <summary>Answers that failed the quick check: a count and the first few reasons.</summary>
internal sealed class InvalidAnswers
{
    private const int Kept = 10;
    private readonly List<string> _first = [];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    public IReadOnlyList<string> First
    {
        get
        {
            lock (_first) return [.. _first];
        }
    }

    public void Add(string reason)
    {
        Interlocked.Increment(ref _count);
        lock (_first)
        {
            if (_first.Count < Kept) _first.Add(reason);
        }
    }
}
