using Npgsql;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// Keeps <see cref="ApiKeyCache"/> exact: LISTENs on <c>api_key_changed</c> (sent by the triggers of migration 0016)
/// and drops the keys named (<c>k:</c>), or everything on <c>*</c>.
/// </summary>
internal sealed class ApiKeyChangeListener(NpgsqlDataSource db, ApiKeyCache cache, ApiKeyOptions options, TimeProvider time,
    ILogger<ApiKeyChangeListener> logger) : NotificationListener(db, time, logger)
{
    /// <summary>Shown in pg_stat_activity, so an operator (and a test) can tell this connection from pooled ones.</summary>
    public const string ApplicationName = "vpn-perf-api-key-listener";

    protected override string ListenSql => "set application_name = 'vpn-perf-api-key-listener'; listen api_key_changed";

    protected override string Channel => "api_key_changed";

    protected override TimeSpan ProbeInterval => options.ListenProbeInterval;

    protected override void SetListening(bool listening) => cache.SetListening(listening);

    protected override void OnNotification(string channel, string payload)
    {
        if (!payload.StartsWith("k:", StringComparison.Ordinal))
        {
            cache.Clear();
            return;
        }
        ReadOnlySpan<char> ids = payload.AsSpan(2);
        foreach (Range range in ids.Split(','))
        {
            if (Guid.TryParse(ids[range], out Guid id)) cache.Evict(id);
            else cache.Clear();
        }
    }
}
