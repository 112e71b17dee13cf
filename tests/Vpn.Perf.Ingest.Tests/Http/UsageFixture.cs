using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>The Ingest process, Redis database and ClickHouse database shared by <see cref="ReportEndpointUsageTests"/>.</summary>
public sealed class UsageFixture() : IngestFixture(TestServers.RedisDb.Usage, nameof(ReportEndpointUsageTests));
