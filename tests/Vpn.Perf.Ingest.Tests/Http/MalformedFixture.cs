using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>The Ingest process, Redis key prefix and ClickHouse database shared by <see cref="ReportEndpointMalformedTests"/>.</summary>
public sealed class MalformedFixture() : IngestFixture(nameof(ReportEndpointMalformedTests));
