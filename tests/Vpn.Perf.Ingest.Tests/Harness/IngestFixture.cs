using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// One test class's world: its Redis key prefix (<see cref="TestRedis"/>), its ClickHouse database (schema applied, dropped at the end)
/// and one Ingest process wired to both. Derived per class so each class gets its own prefix and database.
/// </summary>
public abstract class IngestFixture : IAsyncLifetime
{
    public const int BucketCount = 8;

    private readonly string _owner;
    private TestRedis? _redis;
    private TestClickHouse? _clickHouse;
    private IngestProcess? _ingest;

    protected IngestFixture(string owner)
    {
        _owner = owner;
    }

    internal TestRedis Redis => _redis ?? throw new InvalidOperationException("fixture not initialised");

    internal TestClickHouse ClickHouse => _clickHouse ?? throw new InvalidOperationException("fixture not initialised");

    internal IngestProcess Ingest => _ingest ?? throw new InvalidOperationException("fixture not initialised");

    /// <summary>Extra <c>Ingest__*</c> settings of this class.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public async Task InitializeAsync()
    {
        _redis = await TestRedis.OpenAsync(_owner, BucketCount);
        _clickHouse = await TestClickHouse.CreateAsync(_owner);
        var env = new Dictionary<string, string>
        {
            ["Ingest__BucketCount"] = BucketCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest__FlushInterval"] = "00:00:00.200",
            ["Ingest__ChangeFeedInterval"] = "00:00:00.200",
        };
        foreach ((string key, string value) in _clickHouse.IngestSettings()) env[key] = value;
        foreach ((string key, string value) in _redis.IngestSettings()) env[key] = value;
        foreach ((string key, string value) in Settings) env[key] = value;
        _ingest = await IngestProcess.StartAsync(env);
    }

    /// <summary>Writes Ingest's output to the test's log (call from the test's finally or Dispose).</summary>
    public void WriteLogTo(ITestOutputHelper output) => _ingest?.WriteLogTo(output);

    public async Task DisposeAsync()
    {
        if (_ingest is not null) await _ingest.DisposeAsync();
        if (_clickHouse is not null) await _clickHouse.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
