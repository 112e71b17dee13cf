using Vpn.Perf.Ingest.Tests.Harness;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>An Ingest with a /metrics token and a 1 s request-header timeout, for <see cref="HardeningTests"/>.</summary>
public sealed class HardeningFixture() : IngestFixture(nameof(HardeningTests))
{
    public const string MetricsToken = "metrics-secret-0123456789";

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Ingest__MetricsToken", MetricsToken),
        new("Ingest__RequestHeadersTimeout", "00:00:01"),
    ];
}
