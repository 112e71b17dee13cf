namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>A node as Postgres holds it; the answer adds what Ingest records about it (<see cref="NodeActivity"/>).</summary>
internal sealed record NodeRow(Guid Id, string Name, string Description, string Geo, string Purpose, DateTimeOffset CreatedAt)
{
    public NodeResponse ToResponse(DateTimeOffset? lastReport, bool active) => new(Id, Name, Description, Geo, Purpose, CreatedAt, lastReport, active);
}
