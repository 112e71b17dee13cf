using System.Globalization;
using System.Text;
using System.Text.Json;
using Vpn.Perf.Load.Scenarios;

namespace Vpn.Perf.Load.Reporting;

/// <summary>Writes <c>results.md</c> (a table with the Ingest/reference ratio beside each figure) and <c>results.json</c>.</summary>
internal static class ReportWriter
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Markdown(IngestSettings s, string commandLine, double meanBodyBytes, RunResult ingest, RunResult? reference, VerifyResult? verify,
        HincrbyCeilingResult? ceiling = null, RunResult? referenceDurable = null, RunResult? referenceValidating = null)
    {
        var sb = new StringBuilder();
        sb.Append(C, $"# Ingest load run, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n");
        sb.Append(C, $"`{commandLine}`\n\n");
        string model = s.OpenModel ? $"open, {s.Rate} batches/s constant arrival (latency from intended start)" : $"closed, concurrency {s.Concurrency}";
        sb.Append(C, $"Model: {model}; {s.Nodes} nodes (one batch in flight each), {s.ReportsPerBatch} reports/batch, ");
        sb.Append(C, $"{s.Subscriptions} subscriptions ({s.Mix}), mean body {meanBodyBytes / 1024:0.0} KiB{(s.Gzip ? " before gzip" : "")}, ");
        sb.Append(C, $"{s.BucketCount} Redis key buckets, warm-up {s.Warmup.TotalSeconds:0} s excluded, window {ingest.WindowSeconds:0.0} s.\n\n");

        bool withRef = reference is not null;
        sb.Append(withRef ? "| figure | Ingest | reference | Ingest/reference |\n|---|---:|---:|---:|\n" : "| figure | Ingest |\n|---|---:|\n");
        void Row(string name, Func<RunResult, double> f, string format)
        {
            double a = f(ingest);
            sb.Append(C, $"| {name} | {a.ToString(format, C)} |");
            if (reference is not null)
            {
                double b = f(reference);
                sb.Append(C, $" {b.ToString(format, C)} | {(b == 0 ? "n/a" : (a / b).ToString("0.00", C))} |");
            }
            sb.Append('\n');
        }
        Row("batches/s (2xx)", r => r.RequestsPerSecond, "0");
        Row("reports/s", r => r.ReportsPerSecond, "0");
        Row("MB/s on the wire", r => r.WireBytesPerSecond / 1e6, "0.00");
        Row("latency p50 ms", r => r.Latency.P50, "0.00");
        Row("latency p75 ms", r => r.Latency.P75, "0.00");
        Row("latency p95 ms", r => r.Latency.P95, "0.00");
        Row("latency p99 ms", r => r.Latency.P99, "0.00");
        Row("latency p99.9 ms", r => r.Latency.P999, "0.00");
        Row("latency max ms", r => r.Latency.Max, "0.00");
        Row("latency mean ms", r => r.Latency.Mean, "0.00");
        Row("failed attempts", r => r.Window.Failures, "0");
        Row("retries", r => r.Window.Retries, "0");
        Row("batches given up", r => r.Window.GaveUp, "0");
        Row("duplicate answers", r => r.Window.Duplicates, "0");
        Row("arrivals still queued at end", r => r.Total.QueuedAtEnd, "0");
        Row("server requests/s (/metrics)", r => r.ServerRequests / r.WindowSeconds, "0");
        Row("server reports/s (/metrics)", r => r.ServerReports / r.WindowSeconds, "0");
        Row("server RSS at end MiB", r => r.RssEndBytes / 1048576, "0");
        Row("server RSS peak MiB", r => r.RssPeakBytes / 1048576, "0");
        Row("spool backlog peak MiB", r => r.BacklogPeakBytes / 1048576, "0.0");
        Row("ClickHouse rows/s (/metrics)", r => r.ServerClickHouseRows / r.WindowSeconds, "0");
        foreach (string process in ingest.CpuPercent.Keys)
        {
            Row($"CPU % of one core: {process}", r => r.CpuPercent.GetValueOrDefault(process), "0");
        }
        Row("machine busy % (2 cores)", r => r.MachineBusyPercent, "0");
        if (ingest.ProbeRates.Count > 0)
        {
            double Rate(string key) => ingest.ProbeRates.GetValueOrDefault(key);
            sb.Append("\nRedis stage (INFO commandstats over the window; commands inside the script are counted in it too):\n\n");
            sb.Append("| command | calls/s | µs/call | Redis time, % of one core |\n|---|---:|---:|---:|\n");
            foreach (string cmd in new[] { "evalsha", "hincrby", "hmget", "hget", "xadd" })
            {
                double calls = Rate($"redis {cmd} calls"), usec = Rate($"redis {cmd} usec");
                if (calls == 0) continue;
                sb.Append(C, $"| {cmd} | {calls:0} | {usec / calls:0.0} | {usec / 1e4:0.0} |\n");
            }
            if (double.IsNaN(Rate("redis evalsha calls"))) sb.Append("\nRedis statistics were reset during the window (another client): the figures above are not usable.\n");
            sb.Append(C, $"\nPer batch: {Rate("redis evalsha calls") / Math.Max(1, ingest.RequestsPerSecond):0.0} script calls, ");
            sb.Append(C, $"{Rate("redis evalsha usec") / Math.Max(1, ingest.RequestsPerSecond) / 1000:0.00} ms of Redis time.\n");
        }
        if (ceiling is not null)
        {
            double cpuPerReport = RedisCpuMicrosPerReport(ingest);
            sb.Append(C, $"\nHINCRBY ceiling (`{ceiling.Command}`, on this Redis between the reference and Ingest, the faster of {HincrbyCeiling.Runs} runs): ");
            sb.Append(C, $"{ceiling.OpsPerSecond:0} increments/s, {ceiling.RedisCpuMicrosPerOp:0.000} µs of Redis CPU each. ");
            sb.Append(C, $"Ingest: {ingest.ReportsPerSecond:0} reports/s = **{ingest.ReportsPerSecond / ceiling.OpsPerSecond:0.00}** of it; ");
            sb.Append(C, $"{cpuPerReport:0.000} µs of Redis CPU per report, HINCRBY/report = **{(cpuPerReport > 0 ? ceiling.RedisCpuMicrosPerOp / cpuPerReport : 0):0.00}**.\n");
        }

        if (reference is not null)
        {
            if (referenceDurable is not null)
            {
                AppendCeilingRun(sb, "Durable reference (`--reference-durable`: the bare server answering each batch once its body is appended to a file and " +
                    "fdatasync'ed, group commit)", "durable acceptance", referenceDurable, reference, ingest);
            }
            if (referenceValidating is not null)
            {
                AppendCeilingRun(sb, "Validating durable reference (`--reference-validating`: as the durable one, each body first decoded and checked whole " +
                    "with Ingest's codec)", "an HTTP path that acknowledges only well-formed batches", referenceValidating, reference, ingest);
            }
        }

        if (ingest.Window.FailuresByStatus.Count > 0 || reference?.Window.FailuresByStatus.Count > 0)
        {
            sb.Append("\nFailed attempts by status (0 = transport error or timeout): Ingest ");
            sb.Append(Statuses(ingest));
            if (reference is not null) sb.Append("; reference ").Append(Statuses(reference));
            sb.Append('\n');
        }

        if (verify is not null) AppendVerify(sb, verify);
        if (s.DiscardSpool)
        {
            sb.Append(C, $"\nThe spool ({ingest.BacklogEndBytes / 1048576:0} MiB of backlog at the end of the window) was deleted unsent after the run ");
            sb.Append("(`--discard-spool`): nothing of this run reached ClickHouse, and nothing was verified.\n");
        }
        return sb.ToString();
    }

    /// <summary>The <c>--verify</c> section: verdict, flush wait, and each comparison.</summary>
    internal static void AppendVerify(StringBuilder sb, VerifyResult verify)
    {
        sb.Append(C, $"\n## Verify: {verify.Verdict}\n\nWaited {verify.FlushWaitSeconds:0.0} s for the ClickHouse sink to flush.\n\n");
        sb.Append("| check | expected | actual | result | detail |\n|---|---:|---:|---|---|\n");
        foreach (VerifyCheck c in verify.Checks)
        {
            sb.Append(C, $"| {c.Name} | {c.Expected} | {c.Actual} | {(c.Pass ? "PASS" : "FAIL")} | {c.Detail} |\n");
        }
    }

    /// <summary><paramref name="extra"/> writes a scenario's own properties (e.g. scale-out's events) into the root object.</summary>
    public static byte[] Json(IngestSettings s, string commandLine, double meanBodyBytes, RunResult ingest, RunResult? reference, VerifyResult? verify,
        Action<Utf8JsonWriter>? extra = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("command", commandLine);
            w.WriteString("utc", DateTime.UtcNow.ToString("O", C));
            w.WriteStartObject("settings");
            w.WriteString("model", s.OpenModel ? "open" : "closed");
            if (s.Rate is { } rate) w.WriteNumber("rate", rate);
            w.WriteNumber("concurrency", s.Concurrency);
            w.WriteNumber("nodes", s.Nodes);
            w.WriteNumber("reportsPerBatch", s.ReportsPerBatch);
            w.WriteNumber("subscriptions", s.Subscriptions);
            w.WriteString("mix", s.Mix.ToString());
            w.WriteBoolean("gzip", s.Gzip);
            w.WriteNumber("buckets", s.BucketCount);
            w.WriteBoolean("accessOnly", s.AccessOnly);
            w.WriteBoolean("clickHouseLater", s.ClickHouseLater);
            w.WriteBoolean("discardSpool", s.DiscardSpool);
            w.WriteNumber("warmupSeconds", s.Warmup.TotalSeconds);
            w.WriteNumber("durationSeconds", s.Duration.TotalSeconds);
            w.WriteNumber("meanBodyBytes", Math.Round(meanBodyBytes));
            w.WriteEndObject();
            WriteRun(w, "ingest", ingest);
            if (reference is not null) WriteRun(w, "reference", reference);
            if (verify is not null) WriteVerify(w, verify);
            extra?.Invoke(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Redis's own CPU time (INFO cpu over the window) per report Ingest accepted; 0 without the probe.</summary>
    public static double RedisCpuMicrosPerReport(RunResult ingest)
        => ingest.ReportsPerSecond > 0 ? ingest.ProbeRates.GetValueOrDefault("redis cpu usec") / ingest.ReportsPerSecond : 0;

    internal static void WriteCeiling(Utf8JsonWriter w, HincrbyCeilingResult ceiling)
    {
        w.WriteStartObject("hincrbyCeiling");
        w.WriteString("command", ceiling.Command);
        w.WriteNumber("opsPerSecond", Math.Round(ceiling.OpsPerSecond));
        w.WriteNumber("redisCpuMicrosPerOp", Math.Round(ceiling.RedisCpuMicrosPerOp, 4));
        w.WriteNumber("ops", ceiling.Ops);
        w.WriteNumber("seconds", Math.Round(ceiling.Seconds, 2));
        w.WriteEndObject();
    }

    internal static void WriteVerify(Utf8JsonWriter w, VerifyResult verify)
    {
        w.WriteStartObject("verify");
        w.WriteString("verdict", verify.Verdict);
        w.WriteNumber("flushWaitSeconds", Math.Round(verify.FlushWaitSeconds, 1));
        w.WriteStartArray("checks");
        foreach (VerifyCheck c in verify.Checks)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("expected", c.Expected);
            w.WriteString("actual", c.Actual);
            w.WriteBoolean("pass", c.Pass);
            w.WriteString("detail", c.Detail);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The latency percentiles every report writes the same way (ms).</summary>
    internal static void WriteLatency(Utf8JsonWriter w, LatencySummary latency)
    {
        w.WriteStartObject("latencyMs");
        w.WriteNumber("count", latency.Count);
        w.WriteNumber("mean", Math.Round(latency.Mean, 3));
        w.WriteNumber("p50", latency.P50);
        w.WriteNumber("p75", latency.P75);
        w.WriteNumber("p95", latency.P95);
        w.WriteNumber("p99", latency.P99);
        w.WriteNumber("p999", latency.P999);
        w.WriteNumber("max", latency.Max);
        w.WriteEndObject();
    }

    internal static void WriteCpu(Utf8JsonWriter w, RunResult r)
    {
        w.WriteStartObject("cpuPercentOfOneCore");
        foreach ((string p, double v) in r.CpuPercent) w.WriteNumber(p, Math.Round(v, 1));
        w.WriteEndObject();
    }

    internal static void WriteRun(Utf8JsonWriter w, string name, RunResult r)
    {
        w.WriteStartObject(name);
        w.WriteNumber("windowSeconds", Math.Round(r.WindowSeconds, 3));
        w.WriteNumber("batchesPerSecond", Math.Round(r.RequestsPerSecond, 1));
        w.WriteNumber("reportsPerSecond", Math.Round(r.ReportsPerSecond, 1));
        w.WriteNumber("wireBytesPerSecond", Math.Round(r.WireBytesPerSecond));
        w.WriteNumber("rawBytesPerSecond", Math.Round(r.RawBytesPerSecond));
        ReportWriter.WriteLatency(w, r.Latency);
        w.WriteNumber("attempts", r.Window.Attempts);
        w.WriteNumber("accepted", r.Window.Accepted);
        w.WriteNumber("retries", r.Window.Retries);
        w.WriteNumber("gaveUp", r.Window.GaveUp);
        w.WriteNumber("duplicates", r.Window.Duplicates);
        w.WriteNumber("queuedAtEnd", r.Total.QueuedAtEnd);
        w.WriteStartObject("failuresByStatus");
        foreach ((int status, long n) in r.Window.FailuresByStatus) w.WriteNumber(status.ToString(C), n);
        w.WriteEndObject();
        w.WriteStartObject("server");
        w.WriteNumber("requests", r.ServerRequests);
        w.WriteNumber("reports", r.ServerReports);
        w.WriteNumber("clickHouseRows", r.ServerClickHouseRows);
        w.WriteNumber("rssEndBytes", r.RssEndBytes);
        w.WriteNumber("rssPeakBytes", r.RssPeakBytes);
        w.WriteNumber("spoolBacklogEndBytes", r.BacklogEndBytes);
        w.WriteNumber("spoolBacklogPeakBytes", r.BacklogPeakBytes);
        w.WriteEndObject();
        ReportWriter.WriteCpu(w, r);
        w.WriteNumber("machineBusyPercent", Math.Round(r.MachineBusyPercent, 1));
        w.WriteStartObject("probePerSecond");
        foreach ((string k, double v) in r.ProbeRates)
        {
            if (double.IsNaN(v)) w.WriteNull(k);
            else w.WriteNumber(k, Math.Round(v, 1));
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>One reference run that does part of Ingest's work: its rate and CPU per batch, its ratio to bare, Ingest's to it.</summary>
    private static void AppendCeilingRun(StringBuilder sb, string what, string ceilingOf, RunResult run, RunResult bare, RunResult ingest)
    {
        sb.Append(C, $"\n{what}: {run.RequestsPerSecond:0} batches/s, {ApiReportWriter.CpuPerRequest(run) * 1e6:0} µs of CPU per batch ");
        sb.Append(C, $"(bare: {ApiReportWriter.CpuPerRequest(bare) * 1e6:0}; Ingest: {ApiReportWriter.CpuPerRequest(ingest) * 1e6:0}) = **{run.RequestsPerSecond / bare.RequestsPerSecond:0.00}** ");
        sb.Append(C, $"of bare, the ceiling of {ceilingOf}; Ingest = **{ingest.RequestsPerSecond / run.RequestsPerSecond:0.00}** of it ");
        sb.Append(C, $"({run.Window.Failures} failed attempts at it).\n");
    }

    private static string Statuses(RunResult r)
    {
        var parts = new List<string>();
        foreach ((int status, long n) in r.Window.FailuresByStatus) parts.Add(string.Create(C, $"{status}: {n}"));
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
