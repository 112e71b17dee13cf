namespace Vpn.Perf.Api.Features.Billing;

/// <summary>The answer of a totals endpoint: one entry per currency, ordered by code.</summary>
internal sealed record Totals(IReadOnlyList<MoneyTotal> Items);
