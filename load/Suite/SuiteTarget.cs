using System.Globalization;

namespace Vpn.Perf.Load.Suite;

/// <summary>How a target reads its figure.</summary>
internal enum TargetRule
{
    /// <summary>services / reference ≥ threshold (a throughput beside its ceiling).</summary>
    RatioAtLeast = 0,

    /// <summary>reference / services ≥ threshold (a cost beside the ceiling's cost: less is better).</summary>
    InverseRatioAtLeast = 1,

    /// <summary>services ≥ threshold.</summary>
    ValueAtLeast = 2,

    /// <summary>services ≤ threshold.</summary>
    ValueAtMost = 3,
}

/// <summary>
/// One performance target of issues 14 and 15, judged from one figure of one part. A target whose part did not run is
/// "not run"; a part whose own verdict failed (verify or check) meets nothing: a fast wrong answer is no figure.
/// <c>Ceiling</c>, where given, names the figure of the same part whose ratio is the most any implementation of the
/// product's work reaches on this machine (a bare server doing only the part of the work that cannot be left out).
/// </summary>
internal sealed record SuiteTarget(string Name, string Part, string Figure, TargetRule Rule, double Threshold, string? Ceiling = null)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// ClickHouse CPU per stored row at 9ed4992, the commit issue 15 measured (suites of 2026-12-06 12:43–13:15 in
    /// docs/perf.md: 1.99, 2.04, 2.03 µs); the target is half of it.
    /// </summary>
    public const double ClickHouseMicrosPerRowAt9ed4992 = 2.0;

    public static IReadOnlyList<SuiteTarget> All { get; } =
    [
        new("end to end ≥ 500 000 reports/s", "ingest-closed", SuiteFigures.ReportsPerSecond, TargetRule.ValueAtLeast, 500_000),
        new("end to end ≥ 0.8 × HINCRBY -P 128", "ingest-closed", SuiteFigures.ReportsVsHincrby, TargetRule.RatioAtLeast, 0.8),
        new("Redis stage, uniform: HINCRBY's Redis CPU ÷ a report's ≥ 0.8", "ingest-uniform", SuiteFigures.RedisCpuPerReport, TargetRule.InverseRatioAtLeast, 0.8),
        new("HTTP path ≥ 0.8 × bare", "ingest-http", SuiteFigures.BatchesPerSecond, TargetRule.RatioAtLeast, 0.8, SuiteFigures.ValidatingAppendCeiling),
        new("ClickHouse CPU per stored row ≤ half of 9ed4992's", "ingest-closed", SuiteFigures.ClickHouseCpuPerRow, TargetRule.ValueAtMost,
            ClickHouseMicrosPerRowAt9ed4992 / 2),
        new("config 200 ≥ 0.8 × bare", "config-200", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.8, SuiteFigures.RedisReadCeiling),
        new("config 304 ≥ 0.85 × bare", "config-304", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.85, SuiteFigures.RedisReadCeiling),
        new("config mihomo ≥ 0.6 × bare", "config-mihomo", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.6),
        new("config Xray ≥ 0.6 × bare", "config-xray", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.6),
        new("config links ≥ 0.6 × bare", "config-links", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.6),
        new("config links, plain ≥ 0.6 × bare", "config-links-plain", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.6),
        new("config WireGuard ≥ 0.6 × bare", "config-wireguard", SuiteFigures.ConfigRequestsPerSecond, TargetRule.RatioAtLeast, 0.6),
        new("mixed: ingest p99 ≤ 100 ms", "mixed", SuiteFigures.MixedIngestP99, TargetRule.ValueAtMost, 100),
    ];

    /// <summary>The measured value as the rule reads it (null when the part or figure is missing) and the verdict.</summary>
    public (double? Measured, string Verdict) Judge(IReadOnlyList<SuitePartResult> parts)
    {
        SuitePartResult? part = parts.FirstOrDefault(p => p.Part.Name == Part);
        if (part is null) return (null, "not run");
        SuiteFigure? figure = part.Figures.FirstOrDefault(f => f.Name == Figure);
        double? measured = figure is null ? null : Rule switch
        {
            TargetRule.RatioAtLeast => figure.Ratio,
            TargetRule.InverseRatioAtLeast => figure.Ratio is { } r && r > 0 ? 1 / r : null,
            _ => figure.Value,
        };
        if (measured is not { } m) return (null, "no figure");
        if (part.ExitCode != 0 || part.Check.Contains("FAIL", StringComparison.Ordinal)) return (m, $"not met ({part.Check})");
        bool met = Rule == TargetRule.ValueAtMost ? m <= Threshold : m >= Threshold;
        return (m, met ? "met" : "not met");
    }

    /// <summary>The ceiling's ratio in the part's figures (null without a ceiling, or when the part did not measure it).</summary>
    public double? CeilingIn(IReadOnlyList<SuitePartResult> parts)
        => Ceiling is null ? null : parts.FirstOrDefault(p => p.Part.Name == Part)?.Figures.FirstOrDefault(f => f.Name == Ceiling)?.Ratio;

    /// <summary>The threshold as written in the targets table.</summary>
    public string ThresholdText => Rule switch
    {
        TargetRule.ValueAtMost => "≤ " + Threshold.ToString("#,0.##", C),
        _ => "≥ " + Threshold.ToString("#,0.##", C),
    };
}
