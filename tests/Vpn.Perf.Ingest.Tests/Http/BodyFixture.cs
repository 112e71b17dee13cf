using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>The Ingest process, Redis database and ClickHouse database shared by <see cref="ReportEndpointBodyTests"/>.</summary>
public sealed class BodyFixture() : IngestFixture(TestServers.RedisDb.Body, nameof(ReportEndpointBodyTests));
