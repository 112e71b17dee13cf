namespace Vpn.Perf.Api.Features.Usage;

/// <summary>The width of one usage bucket.</summary>
internal enum UsageStep
{
    Hour = 0,
    Day = 1,
}
