using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// Sends a node's next batch as an exporter does: stamp the next seq into a pre-encoded body, POST it, and on a
/// non-2xx or a transport error resend the very same bytes (same seq) after a pause (Retry-After, capped), up to
/// <see cref="IngestSettings.MaxRetries"/> times. The latency recorded is that of the whole logical batch.
/// <para>
/// With several endpoints (Ingest instances behind no balancer, as in <c>load -- scale-out</c>) node k sends to
/// endpoint k mod n, and each retry goes to the next endpoint, the way a balancer routes a retried request around an
/// instance that is down: at once after a transport error (nothing listens there; the next one may), after the pause
/// when every endpoint has been tried or the instance answered.
/// </para>
/// </summary>
internal sealed class ReportSender(
    SimNode[] nodes, HttpClient http, Uri[] endpoints, IngestSettings settings, RunCounters counters, LatencyRecorder latency) : ILaneIssuer
{
    private const string MsgPack = "application/msgpack";
    private static readonly TimeSpan TransportRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    public int Lanes => nodes.Length;

    public async Task IssueAsync(int lane, long startTimestamp, CancellationToken ct)
    {
        SimNode node = nodes[lane];
        int bodyIndex = node.TakeBody();
        BatchBody body = node.Bodies[bodyIndex];
        ulong seq = node.NextSeq++;
        // Stamped once per batch: a retry must resend the batch byte for byte, sent_at included.
        body.Stamp(seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        ReadOnlyMemory<byte> wire = settings.Gzip ? node.Compress(body.Bytes) : body.Bytes;

        for (int attempt = 0; ; attempt++)
        {
            counters.Attempt();
            TimeSpan delay;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoints[(lane + attempt) % endpoints.Length]) { Content = new BodyContent(wire, MsgPack, settings.Gzip) };
                request.Headers.TryAddWithoutValidation("Authorization", node.Authorization);
                using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                int read = await ReadSmallAsync(response, node.ResponseBuffer, ct);
                int status = (int)response.StatusCode;
                if (status is >= 200 and < 300)
                {
                    node.AcceptedPerBody[bodyIndex]++;
                    counters.Accepted(body.Reports, body.AccessEvents, wire.Length, body.Bytes.Length, IsDuplicate(node.ResponseBuffer.AsSpan(0, read)));
                    latency.Record(startTimestamp);
                    return;
                }
                counters.Failed(status);
                delay = response.Headers.RetryAfter?.Delta is { } after && after < MaxRetryDelay ? after : MaxRetryDelay;
                if (status is not (429 or 503)) delay = TransportRetryDelay;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or IOException or TaskCanceledException)
            {
                counters.Failed(0); // transport error or request timeout
                delay = (attempt + 1) % endpoints.Length == 0 ? TransportRetryDelay : TimeSpan.Zero;
            }
            catch (OperationCanceledException)
            {
                node.Ambiguous++; // the hard stop cut this batch off mid-flight: it may or may not have landed
                throw;
            }

            if (attempt >= settings.MaxRetries)
            {
                counters.GaveUp();
                node.Ambiguous++;
                return;
            }
            counters.Retried();
            try
            {
                await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                node.Ambiguous++;
                throw;
            }
        }
    }

    private static async ValueTask<int> ReadSmallAsync(HttpResponseMessage response, byte[] buffer, CancellationToken ct)
    {
        await using Stream stream = await response.Content.ReadAsStreamAsync(ct);
        int total = 0;
        while (true)
        {
            // Keep the first buffer-full; anything longer (an error text) is read to the end and dropped.
            int n = await stream.ReadAsync(buffer.AsMemory(Math.Min(total, buffer.Length - 256)), ct);
            if (n == 0) return Math.Min(total, buffer.Length);
            total += n;
        }
    }

    /// <summary>True when the 200 body says <c>"duplicate": true</c> (fixstr "duplicate" followed by msgpack true).</summary>
    internal static bool IsDuplicate(ReadOnlySpan<byte> body)
    {
        int i = body.IndexOf("duplicate"u8);
        return i >= 1 && body[i - 1] == 0xa9 && i + 9 < body.Length && body[i + 9] == 0xc3;
    }
}
