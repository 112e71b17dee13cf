using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>The Ingest process, Redis database and ClickHouse database shared by <see cref="ReportEndpointScopeTests"/>.</summary>
public sealed class ScopeFixture() : IngestFixture(TestServers.RedisDb.Scope, nameof(ReportEndpointScopeTests));
