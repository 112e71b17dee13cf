namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>How many subscriptions a bulk operation changed.</summary>
internal sealed record BulkResult(int Affected);
