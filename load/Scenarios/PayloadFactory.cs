using System.Buffers;
using System.Text;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// Builds realistic batches: subscriptions drawn Zipf-like (or uniformly) without repeats inside one batch, as an
/// exporter that aggregates per subscription and interval would send them; a node's few inbounds; byte counts
/// spread log-uniformly over seven orders of magnitude (an idle phone to a 4K stream); about 1 % access events
/// with short notes. 250 reports come to about 15-16 KiB.
/// </summary>
internal sealed class PayloadFactory
{
    private static readonly byte[][] Notes =
    [
        "tcp:443 closed by client"u8.ToArray(),
        "udp:443 quic"u8.ToArray(),
        "tcp:80 idle timeout"u8.ToArray(),
        "tcp:443 reality handshake ok"u8.ToArray(),
    ];

    private readonly Guid[] _subscriptions;
    private readonly double[]? _zipfCdf;
    private readonly Random _random;
    private readonly int _reportsPerBatch;
    private readonly long _intervalStart;
    private readonly bool _accessOnly;

    public PayloadFactory(IngestSettings settings, Guid[] subscriptions, Random random, long nowUnixSeconds)
    {
        _subscriptions = subscriptions;
        _random = random;
        _reportsPerBatch = Math.Min(settings.ReportsPerBatch, subscriptions.Length);
        _intervalStart = nowUnixSeconds / 60 * 60; // exporters report whole minutes
        _accessOnly = settings.AccessOnly;
        if (settings.Mix == SubscriptionMix.Zipf)
        {
            // Weight of rank k is 1/k (s = 1): rank 1 gets ~10 % of the reports among 20 000 subscriptions.
            _zipfCdf = new double[subscriptions.Length];
            double sum = 0;
            for (int k = 0; k < _zipfCdf.Length; k++) _zipfCdf[k] = sum += 1.0 / (k + 1);
            for (int k = 0; k < _zipfCdf.Length; k++) _zipfCdf[k] /= sum;
        }
    }

    public BatchBody Create(Guid[] inbounds)
    {
        int n = _reportsPerBatch;
        var chosen = new HashSet<int>(n);
        int[] subs = new int[n];
        long[] deltas = new long[n];
        var reports = new TrafficReport[n];
        ulong up = 0, down = 0;
        for (int i = 0; i < n; i++)
        {
            int s = PickSubscription(chosen);
            ulong bytesDown = LogUniform(1_000, 10_000_000_000);
            ulong bytesUp = (ulong)(bytesDown * (0.02 + (_random.NextDouble() * 0.3))) + 1;
            // Each subscription uses one inbound per node (the same index on every node), and Fleet links it to exactly
            // those: Ingest counts only reports within their scope, and one link per node keeps the seeded scope small.
            reports[i] = new TrafficReport(_subscriptions[s], inbounds[s % inbounds.Length], bytesUp, bytesDown, _intervalStart, 60);
            subs[i] = s;
            deltas[i] = (long)(bytesUp + bytesDown);
            up += bytesUp;
            down += bytesDown;
        }

        // ~1 % access events: the integer part always, the fraction with its probability. Access-only batches
        // carry 0.6 events per report instead (an event is ~1.6 times a report's size), so bodies stay alike.
        double expected = _accessOnly ? n * 0.6 : n * 0.01;
        int accessCount = (int)expected + (_random.NextDouble() < expected - Math.Floor(expected) ? 1 : 0);
        var eventIds = new Guid[accessCount];
        var output = new ArrayBufferWriter<byte>(n * 64 + 256);
        var writer = new TrafficBatchWriter(output);
        writer.WriteHeader(new BatchHeader(TrafficBatchLayout.Version, BatchBody.PlaceholderSeq, long.MaxValue / 2, _accessOnly ? 0 : n));
        if (!_accessOnly)
        {
            foreach (TrafficReport r in reports) writer.WriteReport(r);
        }
        writer.WriteAccessHeader(accessCount);
        for (int i = 0; i < accessCount; i++)
        {
            eventIds[i] = Guid.NewGuid(); // random: found again below by its 16 bytes
            TrafficReport r = reports[_random.Next(n)];
            var access = new AccessEvent(eventIds[i], (_intervalStart * 1000) + _random.Next(60_000), r.SubscriptionId, r.InboundId,
                r.BytesUp / 100, r.BytesDown / 100);
            bool hasNote = _random.Next(2) == 0;
            writer.WriteAccess(access, hasNote ? Notes[_random.Next(Notes.Length)] : default, hasNote);
        }
        writer.Complete();

        byte[] bytes = output.WrittenSpan.ToArray();
        int[] offsets = new int[accessCount];
        Span<byte> id = stackalloc byte[16]; // one UUID
        for (int i = 0; i < accessCount; i++)
        {
            eventIds[i].TryWriteBytes(id, bigEndian: true, out _);
            offsets[i] = bytes.AsSpan().IndexOf(id);
            if (offsets[i] < 0) throw new InvalidOperationException("An encoded event id was not found in its batch.");
        }
        return _accessOnly ? new BatchBody(bytes, offsets, [], [], 0, 0) : new BatchBody(bytes, offsets, subs, deltas, up, down);
    }

    private int PickSubscription(HashSet<int> chosen)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int s = _zipfCdf is null ? _random.Next(_subscriptions.Length) : ZipfRank();
            if (chosen.Add(s)) return s;
        }
        // The hot ranks are taken: finish with the first free one (reachable only with tiny subscription counts).
        for (int s = 0; ; s++)
        {
            if (chosen.Add(s)) return s;
        }
    }

    private int ZipfRank()
    {
        int i = Array.BinarySearch(_zipfCdf!, _random.NextDouble());
        return Math.Min(i < 0 ? ~i : i, _zipfCdf!.Length - 1);
    }

    private ulong LogUniform(double min, double max) =>
        (ulong)Math.Exp(Math.Log(min) + (_random.NextDouble() * (Math.Log(max) - Math.Log(min))));

    /// <summary>A 32-character token key like the Api issues (shown once, stored as its SHA-256).</summary>
    public static string NewTokenKey(Random random)
    {
        const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) sb.Append(Alphabet[random.Next(Alphabet.Length)]);
        return sb.ToString();
    }
}
