using System.Globalization;
using System.Text;
using System.Text.Json;
using Vpn.Perf.Load.Scenarios;
using Vpn.Perf.Load.Scenarios.Api;
using Vpn.Perf.Load.Scenarios.Mixed;

namespace Vpn.Perf.Load.Reporting;

/// <summary>Writes <c>results.md</c> (each part's figures, services beside the reference, with the ratio) and <c>results.json</c> for the mixed scenario.</summary>
internal static class MixedReportWriter
{
    private const string Others = "other processes and kernel";
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Markdown(MixedReport report)
    {
        IngestSettings si = report.Settings.Ingest;
        ApiLoadSettings sa = report.Settings.Config;
        MixedRun real = report.Real;
        MixedRun? reference = report.Reference;
        var sb = new StringBuilder();
        sb.Append(C, $"# Mixed load run (Ingest batches and config fetches at once), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n");
        sb.Append(C, $"`{report.CommandLine}`\n\n");
        string ingestModel = si.OpenModel ? $"open, {si.Rate} batches/s constant arrival" : $"closed, {si.Concurrency} batches in flight";
        sb.Append(C, $"Ingest part: {ingestModel}; {si.Nodes} nodes (one batch in flight each), {si.ReportsPerBatch} reports/batch, ");
        sb.Append(C, $"{si.Subscriptions} subscriptions ({si.Mix}), mean body {report.BatchBytes / 1024:0.0} KiB, {si.BucketCount} Redis key buckets.\n");
        string configModel = sa.OpenModel ? $"open, {sa.Rate} fetches/s constant arrival" : $"closed, {sa.Concurrency} fetches in flight";
        sb.Append(C, $"Config part: {configModel}; {sa.Clients} clients (one fetch in flight each), {report.ConfigSubscriptions} subscriptions with ");
        sb.Append(C, $"{sa.Inbounds} inbound(s) each, config body {report.ConfigBytes:0} bytes, {sa.IfNoneMatch:P0} of fetches with If-None-Match.\n");
        sb.Append(C, $"One window for both parts: warm-up {si.Warmup.TotalSeconds:0} s excluded, window {real.Ingest.WindowSeconds:0.0} s. ");
        sb.Append("Latency of an open-model part is measured from the intended start.\n\n");

        sb.Append(reference is not null
            ? "| figure | services | reference | services/reference |\n|---|---:|---:|---:|\n"
            : "| figure | services |\n|---|---:|\n");
        void Row(string name, Func<MixedRun, double> f, string format)
        {
            double a = f(real);
            sb.Append(C, $"| {name} | {a.ToString(format, C)} |");
            if (reference is not null)
            {
                double b = f(reference);
                sb.Append(C, $" {b.ToString(format, C)} | {(b == 0 ? "n/a" : (a / b).ToString("0.00", C))} |");
            }
            sb.Append('\n');
        }
        void Latency(string part, Func<MixedRun, RunResult> run)
        {
            Row($"{part}: latency p50 ms", r => run(r).Latency.P50, "0.00");
            Row($"{part}: latency p75 ms", r => run(r).Latency.P75, "0.00");
            Row($"{part}: latency p95 ms", r => run(r).Latency.P95, "0.00");
            Row($"{part}: latency p99 ms", r => run(r).Latency.P99, "0.00");
            Row($"{part}: latency p99.9 ms", r => run(r).Latency.P999, "0.00");
            Row($"{part}: latency max ms", r => run(r).Latency.Max, "0.00");
            Row($"{part}: latency mean ms", r => run(r).Latency.Mean, "0.00");
        }

        Row("ingest: batches/s (2xx)", r => r.Ingest.RequestsPerSecond, "0");
        Row("ingest: reports/s", r => r.Ingest.ReportsPerSecond, "0");
        Row("ingest: MB/s on the wire", r => r.Ingest.WireBytesPerSecond / 1e6, "0.00");
        Latency("ingest", static r => r.Ingest);
        Row("ingest: failed attempts", r => r.Ingest.Window.Failures, "0");
        foreach (int status in Union(real, reference, static r => r.Ingest.Window.FailuresByStatus.Keys))
        {
            Row($"ingest: failed attempts, {(status == 0 ? "transport error or timeout" : $"status {status}")}",
                r => r.Ingest.Window.FailuresByStatus.GetValueOrDefault(status), "0");
        }
        Row("ingest: retries", r => r.Ingest.Window.Retries, "0");
        Row("ingest: batches given up", r => r.Ingest.Window.GaveUp, "0");
        Row("ingest: arrivals still queued at end", r => r.Ingest.Total.QueuedAtEnd, "0");
        Row("ingest: server requests/s (/metrics)", r => r.Ingest.ServerRequests / r.Ingest.WindowSeconds, "0");
        Row("ingest: server reports/s (/metrics)", r => r.Ingest.ServerReports / r.Ingest.WindowSeconds, "0");
        Row("ingest: server RSS peak MiB", r => r.Ingest.RssPeakBytes / 1048576, "0");

        Row("config: fetches/s (200/304, checked)", r => r.Config.RequestsPerSecond, "0");
        foreach (int status in Union(real, reference, static r => r.Config.Window.ByStatus.Keys))
        {
            Row($"config: status {status}/s", r => r.Config.Window.ByStatus.GetValueOrDefault(status) / r.Config.WindowSeconds, "0");
        }
        Row("config: MB/s of bodies", r => r.Config.WireBytesPerSecond / 1e6, "0.00");
        Latency("config", static r => r.Config);
        Row("config: transport errors and timeouts", r => r.Config.Window.FailuresByStatus.GetValueOrDefault(0), "0");
        Row("config: arrivals still queued at end", r => r.Config.Total.QueuedAtEnd, "0");

        // CPU over the ingest part's window (the config part's is the same window to within a few milliseconds).
        Row("CPU % of one core: servers under test (Ingest + Api; reference)", static r => ServersCpu(r.Ingest), "0");
        foreach (string process in Union(real, reference, static r => r.Ingest.CpuPercent.Keys).OrderBy(static p => p == Others).ThenBy(static p => p, StringComparer.Ordinal))
        {
            Row($"CPU % of one core: {process}", r => r.Ingest.CpuPercent.GetValueOrDefault(process), "0");
        }
        Row("machine busy % (2 cores)", static r => r.Ingest.MachineBusyPercent, "0");

        if (report.Verify is not null) ReportWriter.AppendVerify(sb, report.Verify);
        else sb.Append("\n## Verify: not asked (`--verify`)\n");

        sb.Append(C, $"\n## Config check: {(report.CheckPassed ? "PASS" : "FAIL")}\n\n");
        sb.Append("Every config answer of the run (warm-up and drain included) must be 200 with the body checked when primed (parsed as its format; for the " +
            "Api, one proxy per linked inbound the format can express), byte for byte, or 304 with no body to a request that sent the current ETag.\n\n");
        var checks = new List<(string, RunResult, InvalidAnswers)> { ("Api", real.Config, real.ConfigInvalid) };
        if (reference is not null) checks.Add(("reference", reference.Config, reference.ConfigInvalid));
        ApiReportWriter.AppendCheckTable(sb, checks);

        if (report.Notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (string note in report.Notes) sb.Append("- ").Append(note).Append('\n');
        }
        sb.Append("\nCPU is in % of one core (200 % = the whole machine); a large \"other processes and kernel\" share means the run was disturbed.\n");
        return sb.ToString();
    }

    public static byte[] Json(MixedReport report)
    {
        IngestSettings si = report.Settings.Ingest;
        ApiLoadSettings sa = report.Settings.Config;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", "mixed");
            w.WriteString("command", report.CommandLine);
            w.WriteString("utc", DateTime.UtcNow.ToString("O", C));
            w.WriteStartObject("settings");
            w.WriteNumber("warmupSeconds", si.Warmup.TotalSeconds);
            w.WriteNumber("durationSeconds", si.Duration.TotalSeconds);
            w.WriteStartObject("ingest");
            w.WriteString("model", si.OpenModel ? "open" : "closed");
            if (si.Rate is { } batchRate) w.WriteNumber("rate", batchRate);
            w.WriteNumber("concurrency", si.Concurrency);
            w.WriteNumber("nodes", si.Nodes);
            w.WriteNumber("reportsPerBatch", si.ReportsPerBatch);
            w.WriteNumber("subscriptions", si.Subscriptions);
            w.WriteString("mix", si.Mix.ToString());
            w.WriteBoolean("gzip", si.Gzip);
            w.WriteNumber("buckets", si.BucketCount);
            w.WriteNumber("meanBodyBytes", Math.Round(report.BatchBytes));
            w.WriteEndObject();
            w.WriteStartObject("config");
            w.WriteString("model", sa.OpenModel ? "open" : "closed");
            if (sa.Rate is { } fetchRate) w.WriteNumber("rate", fetchRate);
            w.WriteNumber("concurrency", sa.Concurrency);
            w.WriteNumber("clients", sa.Clients);
            w.WriteNumber("subscriptions", report.ConfigSubscriptions);
            w.WriteNumber("inbounds", sa.Inbounds);
            w.WriteNumber("ifNoneMatch", sa.IfNoneMatch);
            w.WriteNumber("bodyBytes", Math.Round(report.ConfigBytes));
            w.WriteEndObject();
            w.WriteEndObject();
            WriteRun(w, "services", report.Real);
            if (report.Reference is not null) WriteRun(w, "reference", report.Reference);
            if (report.Verify is not null) ReportWriter.WriteVerify(w, report.Verify);
            w.WriteStartObject("check");
            w.WriteBoolean("pass", report.CheckPassed);
            ApiReportWriter.WriteCheckTarget(w, "Api", report.Real.Config, report.Real.ConfigInvalid);
            if (report.Reference is not null) ApiReportWriter.WriteCheckTarget(w, "reference", report.Reference.Config, report.Reference.ConfigInvalid);
            w.WriteEndObject();
            w.WriteStartArray("notes");
            foreach (string note in report.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteRun(Utf8JsonWriter w, string name, MixedRun run)
    {
        w.WriteStartObject(name);
        ReportWriter.WriteRun(w, "ingest", run.Ingest);
        ApiReportWriter.WriteRun(w, "config", run.Config);
        w.WriteNumber("serversCpuPercentOfOneCore", Math.Round(ServersCpu(run.Ingest), 1));
        w.WriteEndObject();
    }

    /// <summary>The servers under test: Ingest and the Api, or the one reference process.</summary>
    private static double ServersCpu(RunResult r)
        => r.CpuPercent.GetValueOrDefault("Ingest") + r.CpuPercent.GetValueOrDefault("Api") + r.CpuPercent.GetValueOrDefault("reference");

    private static SortedSet<T> Union<T>(MixedRun real, MixedRun? reference, Func<MixedRun, IEnumerable<T>> keys)
    {
        var set = new SortedSet<T>(keys(real));
        if (reference is not null) set.UnionWith(keys(reference));
        return set;
    }
}
