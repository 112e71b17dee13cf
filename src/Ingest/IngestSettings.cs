namespace Vpn.Perf.Ingest;

/// <summary>What <see cref="IngestServices.ReadSettings"/> read.</summary>
internal sealed record IngestSettings(IngestOptions Options, string RedisConnection, string ClickHouseConnection, string? RedisKeyPrefix);
