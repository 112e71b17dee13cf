namespace Vpn.Perf.Ingest;

/// <summary>
/// What <see cref="IngestServices.ReadSettings"/> read. <c>ClickHouseConnection</c> is the one server; when
/// <c>ClickHouseShardsConnection</c> (the shards' connection strings, ';'-separated) is set, Ingest writes to the shards
/// and needs no other.
/// </summary>
internal sealed record IngestSettings(IngestOptions Options, string RedisConnection, string? ClickHouseConnection, string? ClickHouseShardsConnection, string? RedisKeyPrefix);
