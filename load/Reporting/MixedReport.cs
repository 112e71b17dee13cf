using Vpn.Perf.Load.Scenarios;
using Vpn.Perf.Load.Scenarios.Mixed;

namespace Vpn.Perf.Load.Reporting;

/// <summary>Everything one mixed run reports: both parts against the services, and against the reference when asked.</summary>
internal sealed record MixedReport(MixedSettings Settings, string CommandLine, double BatchBytes, double ConfigBytes, int ConfigSubscriptions,
    MixedRun Real, MixedRun? Reference, VerifyResult? Verify, List<string> Notes)
{
    /// <summary>Every config answer of the run, on every target, passed the config scenario's check.</summary>
    public bool CheckPassed => MixedScenario.ConfigPassed(Real) && (Reference is null || MixedScenario.ConfigPassed(Reference));
}
