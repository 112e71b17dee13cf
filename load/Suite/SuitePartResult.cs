namespace Vpn.Perf.Load.Suite;

/// <summary>One figure of a part: the services' value, the reference's in the same part when there is one, and the number format.</summary>
internal sealed record SuiteFigure(string Name, double Value, double? Reference, string Format)
{
    public double? Ratio => Reference is { } r && r != 0 ? Value / r : null;
}

/// <summary>
/// How one part ended and its headline figures, read back from its <c>results.json</c>. <c>Check</c> is the part's own
/// verdict (Ingest's <c>--verify</c>, the Api scenarios' answer check); <c>OtherCpuPercent</c> is the CPU the machine spent
/// outside the listed processes during the services' window, the sign of a disturbed run.
/// </summary>
internal sealed record SuitePartResult(SuitePart Part, string Command, string ReportFolder, int ExitCode, string? Error, double WallSeconds,
    string Check, double? OtherCpuPercent, IReadOnlyList<SuiteFigure> Figures);

/// <summary>Where the suite ran.</summary>
internal sealed record SuiteMachine(string Commit, int Cores, string Cpu, string Memory, string Runtime, string Os);
