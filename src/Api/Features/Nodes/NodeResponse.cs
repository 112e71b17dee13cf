namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>
/// A node with what Ingest records about it: <c>lastReportAt</c> is its last accepted batch (null = never),
/// <c>isActive</c> whether that is within <c>Nodes:ActiveWindow</c>.
/// </summary>
internal sealed record NodeResponse(Guid Id, string Name, string Description, string Geo, string Purpose, DateTimeOffset CreatedAt,
    DateTimeOffset? LastReportAt, bool IsActive);
