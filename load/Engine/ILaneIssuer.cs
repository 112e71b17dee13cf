namespace Vpn.Perf.Load.Engine;

/// <summary>
/// What the load models drive: a fixed number of lanes (simulated clients), each with at most one request in flight.
/// <see cref="IssueAsync"/> runs one logical request of a lane to completion, retries included, and records its
/// latency from <c>startTimestamp</c> (the intended start in the open model, so queueing counts).
/// </summary>
internal interface ILaneIssuer
{
    int Lanes { get; }

    Task IssueAsync(int lane, long startTimestamp, CancellationToken ct);
}
