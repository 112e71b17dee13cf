using System.Globalization;
using System.Text;
using System.Text.Json;
using Vpn.Perf.Load.Scenarios.Api;

namespace Vpn.Perf.Load.Reporting;

/// <summary>
/// Everything one config or login run reports; <c>ReferenceRead</c> is the reference run again reading one Redis key per
/// request (config, <c>--reference-redis-read</c>).
/// </summary>
internal sealed record ApiReport(ApiLoadSettings Settings, string CommandLine, string What, double BodyBytes, RunResult Api, RunResult? Reference,
    List<(string Target, RunResult Run, InvalidAnswers Invalid)> Checks, List<string> Notes, int[] OkStatuses, RunResult? ReferenceRead = null)
{
    /// <summary>Every answer of the whole run (warm-up and drain included) had an expected status and passed the body check.</summary>
    public bool CheckPassed => Checks.TrueForAll(c => Passed(c.Run, c.Invalid, OkStatuses));

    /// <summary>One target's answers over the whole run: only <paramref name="okStatuses"/>, no transport errors, none failed the body check.</summary>
    public static bool Passed(RunResult run, InvalidAnswers invalid, int[] okStatuses)
        => Unexpected(run, okStatuses) == 0 && run.Total.FailuresByStatus.Count == 0 && invalid.Count == 0;

    public static long Unexpected(RunResult r, int[] okStatuses) => r.Total.ByStatus.Where(kv => Array.IndexOf(okStatuses, kv.Key) < 0).Sum(static kv => kv.Value);
}

/// <summary>Writes <c>results.md</c> (Api beside the reference, with the ratio) and <c>results.json</c> for the Api scenarios.</summary>
internal static class ApiReportWriter
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Markdown(ApiReport report)
    {
        ApiLoadSettings s = report.Settings;
        RunResult api = report.Api;
        RunResult? reference = report.Reference;
        bool login = s.Kind == ApiScenarioKind.Login;
        var sb = new StringBuilder();
        sb.Append(C, $"# Api {(login ? "login" : "config fetch")} load run, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n");
        sb.Append(C, $"`{report.CommandLine}`\n\n");
        string model = s.OpenModel ? $"open, {s.Rate} requests/s constant arrival (latency from intended start)" : $"closed, concurrency {s.Concurrency}";
        sb.Append(C, $"Model: {model}; {s.Clients} clients (one request in flight each); {report.What}; ");
        sb.Append(C, $"warm-up {s.Warmup.TotalSeconds:0} s excluded, window {api.WindowSeconds:0.0} s.\n\n");

        RunResult? read = report.ReferenceRead;
        sb.Append(reference is not null ? "| figure | Api | reference | Api/reference |" : "| figure | Api |");
        sb.Append(read is not null ? " reference + Redis GET | Api/(reference + GET) | (reference + GET)/reference |\n" : "\n");
        sb.Append(reference is not null ? "|---|---:|---:|---:|" : "|---|---:|").Append(read is not null ? "---:|---:|---:|\n" : "\n");
        void Row(string name, Func<RunResult, double> f, string format)
        {
            double a = f(api);
            sb.Append(C, $"| {name} | {a.ToString(format, C)} |");
            if (reference is not null)
            {
                double b = f(reference);
                sb.Append(C, $" {b.ToString(format, C)} | {Ratio(a, b)} |");
                if (read is not null)
                {
                    double g = f(read);
                    sb.Append(C, $" {g.ToString(format, C)} | {Ratio(a, g)} | {Ratio(g, b)} |");
                }
            }
            sb.Append('\n');
        }
        // Logins are a few per second: whole numbers would hide the figure.
        string rate = login ? "0.00" : "0";
        Row(login ? "logins/s (200 with a token)" : "requests/s (200/304, checked)", r => r.RequestsPerSecond, rate);
        var statuses = new SortedSet<int>(api.Window.ByStatus.Keys);
        if (reference is not null) statuses.UnionWith(reference.Window.ByStatus.Keys);
        if (read is not null) statuses.UnionWith(read.Window.ByStatus.Keys);
        foreach (int status in statuses) Row($"status {status}/s", r => r.Window.ByStatus.GetValueOrDefault(status) / r.WindowSeconds, rate);
        if (!login) Row("MB/s of bodies", r => r.WireBytesPerSecond / 1e6, "0.00");
        Row("latency p50 ms", r => r.Latency.P50, "0.00");
        Row("latency p75 ms", r => r.Latency.P75, "0.00");
        Row("latency p95 ms", r => r.Latency.P95, "0.00");
        Row("latency p99 ms", r => r.Latency.P99, "0.00");
        Row("latency p99.9 ms", r => r.Latency.P999, "0.00");
        Row("latency max ms", r => r.Latency.Max, "0.00");
        Row("latency mean ms", r => r.Latency.Mean, "0.00");
        Row("transport errors and timeouts", r => r.Window.FailuresByStatus.GetValueOrDefault(0), "0");
        Row("arrivals still queued at end", r => r.Total.QueuedAtEnd, "0");
        foreach (string process in api.CpuPercent.Keys)
        {
            Row($"CPU % of one core: {process}", r => r.CpuPercent.GetValueOrDefault(process), "0");
        }
        Row("machine busy % (2 cores)", r => r.MachineBusyPercent, "0");
        Row(login ? "server CPU ms per login" : "server CPU µs per request", r => CpuPerRequest(r) * (login ? 1e3 : 1e6), login ? "0.0" : "0");

        if (read is not null)
        {
            sb.Append("\n*reference + Redis GET* is the bare reference reading one Redis key per request (a plain StackExchange.Redis GET, its value " +
                "in the usage header) before answering, as the Api reads live usage: the ceiling of any server that makes that read per fetch here.\n");
        }

        sb.Append(C, $"\n## Check: {(report.CheckPassed ? "PASS" : "FAIL")}\n\n");
        sb.Append(login
            ? "Every answer of the run (warm-up and drain included) must be 200 with a JSON body holding an access token.\n\n"
            : "Every answer of the run (warm-up and drain included) must be 200 with the body checked when primed (parsed as its format; for the Api, one " +
              "proxy per linked inbound the format can express), byte for byte, or 304 with no body to a request that sent the current ETag.\n\n");
        AppendCheckTable(sb, report.Checks);
        if (report.Notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (string note in report.Notes) sb.Append("- ").Append(note).Append('\n');
        }
        sb.Append("\nThe Api has no `/metrics`: server figures are the client's and the CPU time read from `/proc`. " +
            "CPU is in % of one core (200 % = the whole machine); a large \"other processes and kernel\" share means the run was disturbed.\n");
        return sb.ToString();
    }

    /// <summary>The check's table: each target's answers by status, transport errors, body-check failures and the first reasons.</summary>
    internal static void AppendCheckTable(StringBuilder sb, IEnumerable<(string Target, RunResult Run, InvalidAnswers Invalid)> checks)
    {
        sb.Append("| target | answers | by status | transport errors | failed the body check | first reasons |\n|---|---:|---|---:|---:|---|\n");
        foreach ((string target, RunResult run, InvalidAnswers invalid) in checks)
        {
            string byStatus = string.Join(", ", run.Total.ByStatus.Select(kv => string.Create(C, $"{kv.Key}: {kv.Value}")));
            sb.Append(C, $"| {target} | {run.Total.ByStatus.Values.Sum()} | {byStatus} | {run.Total.FailuresByStatus.GetValueOrDefault(0)} | {invalid.Count} | ");
            sb.Append(string.Join("; ", invalid.First).Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        }
    }

    public static byte[] Json(ApiReport report)
    {
        ApiLoadSettings s = report.Settings;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", s.Kind.ToString().ToLowerInvariant());
            w.WriteString("command", report.CommandLine);
            w.WriteString("utc", DateTime.UtcNow.ToString("O", C));
            w.WriteStartObject("settings");
            w.WriteString("model", s.OpenModel ? "open" : "closed");
            if (s.Rate is { } rate) w.WriteNumber("rate", rate);
            w.WriteNumber("concurrency", s.Concurrency);
            w.WriteNumber("clients", s.Clients);
            w.WriteString("what", report.What);
            if (s.Kind == ApiScenarioKind.Config)
            {
                w.WriteNumber("subscriptions", s.Subscriptions);
                w.WriteNumber("inbounds", s.Inbounds);
                w.WriteNumber("ifNoneMatch", s.IfNoneMatch);
                w.WriteNumber("bodyBytes", Math.Round(report.BodyBytes));
            }
            else
            {
                w.WriteNumber("users", s.Users);
                w.WriteNumber("bcryptCost", s.BcryptCost);
                w.WriteBoolean("limitsRaised", s.LimitsRaised);
            }
            w.WriteNumber("warmupSeconds", s.Warmup.TotalSeconds);
            w.WriteNumber("durationSeconds", s.Duration.TotalSeconds);
            w.WriteEndObject();
            WriteRun(w, "api", report.Api);
            if (report.Reference is not null) WriteRun(w, "reference", report.Reference);
            if (report.ReferenceRead is not null) WriteRun(w, "referenceRedisRead", report.ReferenceRead);
            w.WriteStartObject("check");
            w.WriteBoolean("pass", report.CheckPassed);
            foreach ((string target, RunResult run, InvalidAnswers invalid) in report.Checks) WriteCheckTarget(w, target, run, invalid);
            w.WriteEndObject();
            w.WriteStartArray("notes");
            foreach (string note in report.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    internal static void WriteCheckTarget(Utf8JsonWriter w, string target, RunResult run, InvalidAnswers invalid)
    {
        w.WriteStartObject(target);
        w.WriteStartObject("answersByStatus");
        foreach ((int status, long n) in run.Total.ByStatus) w.WriteNumber(status.ToString(C), n);
        w.WriteEndObject();
        w.WriteNumber("transportErrors", run.Total.FailuresByStatus.GetValueOrDefault(0));
        w.WriteNumber("invalid", invalid.Count);
        w.WriteStartArray("firstReasons");
        foreach (string reason in invalid.First) w.WriteStringValue(reason);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static void WriteRun(Utf8JsonWriter w, string name, RunResult r)
    {
        w.WriteStartObject(name);
        w.WriteNumber("windowSeconds", Math.Round(r.WindowSeconds, 3));
        w.WriteNumber("okPerSecond", Math.Round(r.RequestsPerSecond, 1));
        w.WriteNumber("bodyBytesPerSecond", Math.Round(r.WireBytesPerSecond));
        ReportWriter.WriteLatency(w, r.Latency);
        w.WriteNumber("attempts", r.Window.Attempts);
        w.WriteNumber("ok", r.Window.Accepted);
        w.WriteNumber("queuedAtEnd", r.Total.QueuedAtEnd);
        w.WriteStartObject("answersByStatus");
        foreach ((int status, long n) in r.Window.ByStatus) w.WriteNumber(status.ToString(C), n);
        w.WriteEndObject();
        w.WriteStartObject("failuresByStatus");
        foreach ((int status, long n) in r.Window.FailuresByStatus) w.WriteNumber(status.ToString(C), n);
        w.WriteEndObject();
        ReportWriter.WriteCpu(w, r);
        w.WriteNumber("machineBusyPercent", Math.Round(r.MachineBusyPercent, 1));
        w.WriteNumber("serverCpuSecondsPerOk", CpuPerRequest(r));
        w.WriteEndObject();
    }

    private static string Ratio(double a, double b) => b == 0 ? "n/a" : (a / b).ToString("0.00", C);

    /// <summary>The server's CPU seconds per successful answer over the window.</summary>
    internal static double CpuPerRequest(RunResult r)
        => r.Window.Accepted == 0 ? 0 : r.CpuPercent.GetValueOrDefault("server") / 100 * r.WindowSeconds / r.Window.Accepted;
}
