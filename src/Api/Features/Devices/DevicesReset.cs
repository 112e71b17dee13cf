namespace Vpn.Perf.Api.Features.Devices;

/// <summary>The answer to a reset: how many devices were removed.</summary>
internal sealed record DevicesReset(int Removed);
