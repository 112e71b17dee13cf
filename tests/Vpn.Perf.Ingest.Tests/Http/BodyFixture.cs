using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>The Ingest process, Redis key prefix and ClickHouse database shared by <see cref="ReportEndpointBodyTests"/>.</summary>
public sealed class BodyFixture() : IngestFixture(nameof(ReportEndpointBodyTests))
{
    /// <summary>One request at a time, so the overload test can fill the server with one slow body (tests of a class run one by one).</summary>
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Ingest__MaxConcurrentRequests", "1")];
}
