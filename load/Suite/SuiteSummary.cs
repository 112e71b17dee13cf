using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vpn.Perf.Load.Suite;

/// <summary>The suite's combined report: the headline figures of every part beside its reference, each part's verdict, and where it ran.</summary>
internal sealed class SuiteSummary(string commandLine, DateTime startedUtc, double wallSeconds, SuiteSettings settings,
    IReadOnlyList<SuitePartResult> parts, SuiteMachine machine)
{
    private const string Others = "other processes and kernel";
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The headline figures of one part's <c>results.json</c> (null when the part wrote none).</summary>
    public static SuitePartResult Read(SuitePart part, string command, string folder, int exitCode, string? error, double wall, JsonDocument? json)
    {
        if (json is null) return new SuitePartResult(part, command, folder, exitCode, error, wall, "not run", null, []);
        JsonElement root = json.RootElement;
        JsonElement? Reference(JsonElement parent) => parent.TryGetProperty("reference", out JsonElement r) ? r : null;
        var figures = new List<SuiteFigure>();
        void Add(string name, JsonElement services, JsonElement? reference, Func<JsonElement, double> value, string format)
            => figures.Add(new SuiteFigure(name, value(services), reference is { } r ? value(r) : null, format));
        string check;
        JsonElement measured;
        switch (part.Kind)
        {
            case SuitePartKind.Ingest:
            {
                measured = root.GetProperty("ingest");
                JsonElement? reference = Reference(root);
                Add(SuiteFigures.BatchesPerSecond, measured, reference, static r => Number(r, "batchesPerSecond"), "0");
                if (root.TryGetProperty("referenceDurable", out JsonElement durable))
                {
                    Add(SuiteFigures.BatchesVsDurableAppend, measured, durable, static r => Number(r, "batchesPerSecond"), "0");
                    Add(SuiteFigures.DurableAppendCeiling, durable, reference, static r => Number(r, "batchesPerSecond"), "0");
                }
                if (root.TryGetProperty("referenceValidating", out JsonElement validating))
                {
                    Add(SuiteFigures.BatchesVsValidatingAppend, measured, validating, static r => Number(r, "batchesPerSecond"), "0");
                    Add(SuiteFigures.ValidatingAppendCeiling, validating, reference, static r => Number(r, "batchesPerSecond"), "0");
                }
                if (Number(measured, "reportsPerSecond") > 0) Add(SuiteFigures.ReportsPerSecond, measured, reference, static r => Number(r, "reportsPerSecond"), "0");
                Add("MB/s on the wire", measured, reference, static r => Number(r, "wireBytesPerSecond") / 1e6, "0.0");
                Add("latency p50 ms", measured, reference, static r => Number(r, "latencyMs", "p50"), "0.0");
                Add("latency p99 ms", measured, reference, static r => Number(r, "latencyMs", "p99"), "0.0");
                // scale-out lists no single server (two Ingest instances, one of them replaced mid-window).
                if (Number(measured, "cpuPercentOfOneCore", "server") > 0)
                {
                    Add("server CPU µs per batch", measured, reference, static r => PerSecond(Number(r, "cpuPercentOfOneCore", "server") / 100, Number(r, "batchesPerSecond")) * 1e6, "0");
                }
                double reports = Number(measured, "reportsPerSecond");
                if (root.TryGetProperty("hincrbyCeiling", out JsonElement ceiling) && reports > 0)
                {
                    figures.Add(new SuiteFigure(SuiteFigures.ReportsVsHincrby, reports, Number(ceiling, "opsPerSecond"), "0"));
                    figures.Add(new SuiteFigure(SuiteFigures.RedisCpuPerReport, Number(measured, "probePerSecond", "redis cpu usec") / reports,
                        Number(ceiling, "redisCpuMicrosPerOp"), "0.000"));
                }
                double rows = Number(measured, "server", "clickHouseRows") / Math.Max(Number(measured, "windowSeconds"), 1e-9);
                if (rows > 0)
                {
                    figures.Add(new SuiteFigure(SuiteFigures.ClickHouseCpuPerRow, Number(measured, "cpuPercentOfOneCore", "clickhouse") / 100 / rows * 1e6, null, "0.00"));
                }
                bool discarded = root.TryGetProperty("settings", out JsonElement st) && st.TryGetProperty("discardSpool", out JsonElement d) && d.ValueKind == JsonValueKind.True;
                check = root.TryGetProperty("verify", out JsonElement verify) ? "verify " + verify.GetProperty("verdict").GetString()
                    : discarded ? "not verified (spool discarded)" : "not verified";
                break;
            }
            case SuitePartKind.Config or SuitePartKind.Login:
            {
                bool login = part.Kind == SuitePartKind.Login;
                measured = root.GetProperty("api");
                JsonElement? reference = Reference(root);
                Add(login ? "logins/s" : SuiteFigures.ConfigRequestsPerSecond, measured, reference, static r => Number(r, "okPerSecond"), login ? "0.00" : "0");
                if (root.TryGetProperty("referenceRedisRead", out JsonElement read))
                {
                    Add(SuiteFigures.ConfigVsRedisRead, measured, read, static r => Number(r, "okPerSecond"), "0");
                    Add(SuiteFigures.RedisReadCeiling, read, reference, static r => Number(r, "okPerSecond"), "0");
                }
                Add("latency p50 ms", measured, reference, static r => Number(r, "latencyMs", "p50"), login ? "0" : "0.0");
                Add("latency p99 ms", measured, reference, static r => Number(r, "latencyMs", "p99"), login ? "0" : "0.0");
                Add(login ? "server CPU ms per login" : "server CPU µs per request", measured, reference,
                    r => Number(r, "serverCpuSecondsPerOk") * (login ? 1e3 : 1e6), "0");
                check = "check " + Verdict(root);
                break;
            }
            default:
            {
                measured = root.GetProperty("services");
                JsonElement? reference = Reference(root);
                Add("ingest batches/s", measured, reference, static r => Number(r, "ingest", "batchesPerSecond"), "0");
                Add("ingest reports/s", measured, reference, static r => Number(r, "ingest", "reportsPerSecond"), "0");
                Add(SuiteFigures.MixedIngestP99, measured, reference, static r => Number(r, "ingest", "latencyMs", "p99"), "0.0");
                Add("config fetches/s (200/304)", measured, reference, static r => Number(r, "config", "okPerSecond"), "0");
                Add("config latency p50 ms", measured, reference, static r => Number(r, "config", "latencyMs", "p50"), "0.0");
                Add("config latency p99 ms", measured, reference, static r => Number(r, "config", "latencyMs", "p99"), "0.0");
                Add("servers' CPU % of one core", measured, reference, static r => Number(r, "serversCpuPercentOfOneCore"), "0");
                check = (root.TryGetProperty("verify", out JsonElement verify) ? "verify " + verify.GetProperty("verdict").GetString() : "not verified") +
                    ", check " + Verdict(root);
                measured = measured.GetProperty("ingest");
                break;
            }
        }
        double? other = measured.TryGetProperty("cpuPercentOfOneCore", out JsonElement cpu) && cpu.TryGetProperty(Others, out JsonElement o) ? o.GetDouble() : null;
        return new SuitePartResult(part, command, folder, exitCode, error, wall, check, other, figures);
    }

    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append(C, $"# Load suite, {startedUtc:yyyy-MM-dd HH:mm} UTC\n\n`{commandLine}`\n\n");
        sb.Append(C, $"Commit {machine.Commit}; {machine.Cores} cores ({machine.Cpu}), {machine.Memory}; {machine.Runtime}; {machine.Os}.\n");
        sb.Append(C, $"Wall time **{Minutes(wallSeconds)}** for {parts.Count} part(s), each measured {settings.Duration.TotalSeconds:0} s after its warm-up ");
        sb.Append(settings.Warmup is { } w ? string.Create(C, $"({w.TotalSeconds:0} s)") : "(25 s with Ingest, 15 s for the HTTP path, 10 s config, 5 s login)");
        sb.Append(". Every ratio is against the bare Kestrel reference measured in the same part, before the services, with the same generator. ");
        sb.Append("Latencies are those of the part's model (closed: service time; open: from the intended start).\n\n");

        sb.Append("| part | figure | services | reference | services/reference |\n|---|---|---:|---:|---:|\n");
        foreach (SuitePartResult p in parts)
        {
            if (p.Figures.Count == 0)
            {
                sb.Append(C, $"| {p.Part.Name} | failed: {Cell(p.Error ?? "no figures")} | | | |\n");
                continue;
            }
            for (int i = 0; i < p.Figures.Count; i++)
            {
                SuiteFigure f = p.Figures[i];
                sb.Append(C, $"| {(i == 0 ? p.Part.Name : "")} | {f.Name} | {f.Value.ToString(f.Format, C)} | ");
                sb.Append(f.Reference is { } r ? r.ToString(f.Format, C) : "—").Append(" | ");
                sb.Append(f.Ratio is { } ratio ? ratio.ToString("0.00", C) : "—").Append(" |\n");
            }
        }

        sb.Append("\n| target | part | measured | threshold | verdict | ceiling |\n|---|---|---:|---:|---|---:|\n");
        foreach (SuiteTarget t in SuiteTarget.All)
        {
            (double? measured, string verdict) = t.Judge(parts);
            sb.Append(C, $"| {t.Name} | {t.Part} | {(measured is { } m ? m.ToString(m >= 1000 ? "#,0" : "0.00", C) : "—")} | {t.ThresholdText} | {verdict} | ");
            sb.Append(t.CeilingIn(parts) is { } ceiling ? ceiling.ToString("0.00", C) : "").Append(" |\n");
        }
        sb.Append("\n*Targets* (issues 14 and 15): a ratio is the services' figure over the reference in the same row of the table above ");
        sb.Append("(for Redis CPU, the HINCRBY ceiling's cost over the report's); a part whose verify or check failed meets none. ");
        sb.Append("*Ceiling*: the same ratio for the bare reference doing only the work the product cannot leave out (for a config fetch, ");
        sb.Append("reading the subscription's live usage in Redis; for the HTTP path, having decoded and checked the body and put it on disk before answering): a target above it ");
        sb.Append("cannot be met on this machine by any implementation.\n");

        sb.Append("\n| part | verdict | other CPU, % of one core | wall | exit | report |\n|---|---|---:|---:|---:|---|\n");
        foreach (SuitePartResult p in parts)
        {
            sb.Append(C, $"| {p.Part.Name} | {p.Check} | {(p.OtherCpuPercent is { } o ? o.ToString("0", C) : "—")} | {Minutes(p.WallSeconds)} | {p.ExitCode} | ");
            sb.Append(C, $"[{p.ReportFolder}/results.md]({p.ReportFolder}/results.md) |\n");
        }
        sb.Append("\n*Verdict*: `verify` compares Redis counters and ClickHouse rows with what Ingest acknowledged, byte for byte; `check` is the Api ");
        sb.Append("scenarios' check of every answer. *Other CPU* is machine time spent outside the listed processes (other sessions' builds and ");
        sb.Append("tests, the kernel) during the services' window: a large value means a disturbed run; compare ratios rather than absolute figures.\n");

        sb.Append("\n## Parts\n\n");
        foreach (SuitePartResult p in parts)
        {
            sb.Append(C, $"- **{p.Part.Name}**: {p.Part.What}.\n  `{p.Command}`\n");
            if (p.Error is not null) sb.Append(C, $"  Failed: {p.Error}\n");
        }
        return sb.ToString();
    }

    public byte[] Json()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("command", commandLine);
            w.WriteString("startedUtc", startedUtc.ToString("O", C));
            w.WriteNumber("wallSeconds", Math.Round(wallSeconds, 1));
            w.WriteNumber("durationSeconds", settings.Duration.TotalSeconds);
            w.WriteStartObject("machine");
            w.WriteString("commit", machine.Commit);
            w.WriteNumber("cores", machine.Cores);
            w.WriteString("cpu", machine.Cpu);
            w.WriteString("memory", machine.Memory);
            w.WriteString("runtime", machine.Runtime);
            w.WriteString("os", machine.Os);
            w.WriteEndObject();
            w.WriteStartArray("parts");
            foreach (SuitePartResult p in parts)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Part.Name);
                w.WriteString("what", p.Part.What);
                w.WriteString("command", p.Command);
                w.WriteString("report", p.ReportFolder + "/results.json");
                w.WriteNumber("exitCode", p.ExitCode);
                if (p.Error is not null) w.WriteString("error", p.Error);
                w.WriteString("verdict", p.Check);
                w.WriteNumber("wallSeconds", Math.Round(p.WallSeconds, 1));
                if (p.OtherCpuPercent is { } other) w.WriteNumber("otherCpuPercentOfOneCore", Math.Round(other, 1));
                w.WriteStartArray("figures");
                foreach (SuiteFigure f in p.Figures)
                {
                    w.WriteStartObject();
                    w.WriteString("figure", f.Name);
                    w.WriteNumber("services", Math.Round(f.Value, 3));
                    if (f.Reference is { } r) w.WriteNumber("reference", Math.Round(r, 3));
                    if (f.Ratio is { } ratio) w.WriteNumber("ratio", Math.Round(ratio, 4));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("targets");
            foreach (SuiteTarget t in SuiteTarget.All)
            {
                (double? measured, string verdict) = t.Judge(parts);
                w.WriteStartObject();
                w.WriteString("target", t.Name);
                w.WriteString("part", t.Part);
                w.WriteString("figure", t.Figure);
                w.WriteString("rule", t.Rule.ToString());
                w.WriteNumber("threshold", t.Threshold);
                if (measured is { } m) w.WriteNumber("measured", Math.Round(m, 4));
                w.WriteString("verdict", verdict);
                if (t.CeilingIn(parts) is { } ceiling) w.WriteNumber("ceiling", Math.Round(ceiling, 4));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static string Verdict(JsonElement root)
        => root.TryGetProperty("check", out JsonElement check) && check.TryGetProperty("pass", out JsonElement pass) ? (pass.GetBoolean() ? "PASS" : "FAIL") : "none";

    private static double Number(JsonElement e, params string[] path)
    {
        foreach (string name in path)
        {
            if (!e.TryGetProperty(name, out e)) return 0;
        }
        return e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 0;
    }

    private static double PerSecond(double cpuSecondsPerSecond, double perSecond) => perSecond == 0 ? 0 : cpuSecondsPerSecond / perSecond;

    private static string Minutes(double seconds)
    {
        int total = (int)Math.Round(seconds);
        return total < 60 ? string.Create(C, $"{total} s") : string.Create(C, $"{total / 60} min {total % 60:00} s");
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
