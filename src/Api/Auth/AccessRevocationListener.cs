using Npgsql;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Keeps <see cref="AccessRevocationCache"/> exact: LISTENs on <c>auth_changed</c> (sent by the triggers of migration
/// 0010) and drops the sessions (<c>s:</c>) and users (<c>u:</c>) named, remembers deleted users (<c>d:</c>), or
/// drops everything on <c>*</c>.
/// </summary>
internal sealed class AccessRevocationListener(NpgsqlDataSource db, AccessRevocationCache cache, JwtOptions options, TimeProvider time,
    ILogger<AccessRevocationListener> logger) : NotificationListener(db, time, logger)
{
    /// <summary>Shown in pg_stat_activity, so an operator (and a test) can tell this connection from pooled ones.</summary>
    public const string ApplicationName = "vpn-perf-auth-listener";

    protected override string ListenSql => "set application_name = 'vpn-perf-auth-listener'; listen auth_changed";

    protected override string Channel => "auth_changed";

    protected override TimeSpan ProbeInterval => options.RevocationListenProbeInterval;

    protected override void SetListening(bool listening) => cache.SetListening(listening);

    protected override void OnNotification(string channel, string payload)
    {
        if (payload.Length < 2 || payload[1] != ':')
        {
            cache.Clear();
            return;
        }
        char kind = payload[0];
        ReadOnlySpan<char> ids = payload.AsSpan(2);
        foreach (Range range in ids.Split(','))
        {
            if (!Guid.TryParse(ids[range], out Guid id)) continue;
            switch (kind)
            {
                case 's': cache.EvictSession(id); break;
                case 'u': cache.EvictUser(id); break;
                case 'd': cache.UserDeleted(id); break;
                default: cache.Clear(); return;
            }
        }
    }
}
