using Microsoft.Extensions.Options;
using Npgsql;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Keeps <see cref="ConfigCache"/> and <see cref="LinkIndex"/> exact. LISTENs on <c>config_changed</c> (the triggers of
/// migration 0007) and evicts the ids named, or everything on <c>*</c>; and on <c>link_changed</c> (migration 0009):
/// the named ids' current tokens are read before the next wait (the whole index is re-read on <c>*</c>). The tokens
/// held are not dropped on the notice itself: the Api's own rotation may already have put the new one in, and it
/// must keep working; the old one goes with that one query's read. Both only work while this connection is up: when it drops, they are cleared and switched
/// off until a new LISTEN is in place and the index has been read again, since changes in between are lost. On
/// <c>format_rules_changed</c> (migration 0018), and after every new LISTEN, the User-Agent rules are read again.
/// </summary>
internal sealed class ConfigChangeListener(NpgsqlDataSource db, ConfigCache cache, LinkIndex links, ActiveFormatRules formatRules,
    IOptions<ConfigOptions> options, TimeProvider time, ILogger<ConfigChangeListener> logger) : NotificationListener(db, time, logger)
{
    public const string ConfigChannel = "config_changed";

    public const string LinkChannel = "link_changed";

    public const string FormatRulesChannel = "format_rules_changed";

    /// <summary>Shown in pg_stat_activity, so an operator (and a test) can tell this connection from pooled ones.</summary>
    public const string ApplicationName = "vpn-perf-config-listener";

    // Filled by OnNotification, which Npgsql raises on the loop's own reads of the connection: never concurrently.
    private readonly HashSet<Guid> _changedLinks = [];
    private bool _allLinksChanged;
    private bool _formatRulesChanged;

    protected override string ListenSql => "set application_name = 'vpn-perf-config-listener'; listen config_changed; listen link_changed; listen format_rules_changed";

    protected override string Channel => ConfigChannel;

    protected override TimeSpan ProbeInterval => options.Value.ListenProbeInterval;

    protected override void SetListening(bool listening)
    {
        if (listening) cache.SetListening(true);
        else SwitchOff();
    }

    protected override async Task CatchUpAsync(NpgsqlConnection connection, bool listenedNow, CancellationToken ct)
    {
        if (listenedNow)
        {
            // Read after the LISTEN, so a token change either is in this read or arrives as a notification after it;
            // whatever was cached before this LISTEN may have missed a change.
            _changedLinks.Clear();
            _allLinksChanged = true;
            _formatRulesChanged = true;
        }
        await ApplyLinkChangesAsync(connection, ct);
        if (_formatRulesChanged)
        {
            _formatRulesChanged = false;
            await formatRules.ReloadAsync(connection, ct);
        }
    }
    private void SwitchOff()
    {
        cache.SetListening(false);
        links.Reset();
    }

    /// <summary>Reads the current tokens of the ids notified so far; notifications that arrive meanwhile are taken in the next round.</summary>
    private async Task ApplyLinkChangesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        while (_allLinksChanged || _changedLinks.Count > 0)
        {
            if (_allLinksChanged)
            {
                _allLinksChanged = false;
                _changedLinks.Clear();
                links.Replace(await ConfigsStore.ReadAllLinksAsync(connection, ct));
                continue;
            }
            Guid[] ids = [.. _changedLinks];
            _changedLinks.Clear();
            var found = new HashSet<Guid>(ids.Length);
            foreach ((Guid id, string token, long version) in await ConfigsStore.ReadLinksAsync(connection, ids, ct))
            {
                found.Add(id);
                links.Set(id, token, version);
            }
            foreach (Guid id in ids)
            {
                if (!found.Contains(id)) links.Remove(id);
            }
        }
    }

    protected override void OnNotification(string channel, string payload)
    {
        if (channel == FormatRulesChannel)
        {
            _formatRulesChanged = true;
            return;
        }
        bool link = channel == LinkChannel;
        if (payload == "*")
        {
            if (link) _allLinksChanged = true;
            else cache.Clear();
            return;
        }
        foreach (Range range in payload.AsSpan().Split(','))
        {
            if (!Guid.TryParse(payload.AsSpan(range), out Guid id)) continue;
            if (link) _changedLinks.Add(id);
            else cache.Evict(id);
        }
    }
}
