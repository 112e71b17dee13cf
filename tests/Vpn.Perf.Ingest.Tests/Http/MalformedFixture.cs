using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>The Ingest process, Redis database and ClickHouse database shared by <see cref="ReportEndpointMalformedTests"/>.</summary>
public sealed class MalformedFixture() : IngestFixture(TestServers.RedisDb.Malformed, nameof(ReportEndpointMalformedTests));
