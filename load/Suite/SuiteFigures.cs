namespace Vpn.Perf.Load.Suite;

/// <summary>The names of the summary's figures that targets read: one spelling for the table and the judge.</summary>
internal static class SuiteFigures
{
    public const string BatchesPerSecond = "batches/s";
    public const string ReportsPerSecond = "reports/s";
    public const string ReportsVsHincrby = "reports/s (reference: redis-benchmark HINCRBY -P 128 ops/s)";
    public const string RedisCpuPerReport = "Redis CPU µs per report (reference: per HINCRBY)";
    public const string ClickHouseCpuPerRow = "ClickHouse CPU µs per stored row";
    public const string ConfigRequestsPerSecond = "requests/s (200/304)";
    public const string ConfigVsRedisRead = "requests/s (reference: bare + one Redis GET per request)";
    public const string RedisReadCeiling = "bare + one Redis GET per request: requests/s (reference: bare)";
    public const string BatchesVsDurableAppend = "batches/s (reference: bare + durable append)";
    public const string DurableAppendCeiling = "bare + durable append: batches/s (reference: bare)";
    public const string BatchesVsValidatingAppend = "batches/s (reference: bare + decode + durable append)";
    public const string ValidatingAppendCeiling = "bare + decode + durable append: batches/s (reference: bare)";
    public const string MixedIngestP99 = "ingest latency p99 ms";
}
