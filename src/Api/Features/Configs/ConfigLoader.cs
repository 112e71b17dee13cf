using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Answers "what is the config of this link token": the token is resolved to a subscription id in memory
/// (<see cref="LinkIndex"/>), and the config comes from <see cref="ConfigCache"/>, or on a miss from one Postgres query
/// (<see cref="ConfigsStore.LoadCommand(NpgsqlDataSource, Guid, long)"/>), rendered and cached. An unknown, rotated or malformed token costs one dictionary
/// lookup and no query. Only while the index is not ready (start-up, a lost LISTEN connection) is the token looked
/// up in Postgres, uncached. The base template is kept here by version and re-read only when the query says it changed.
/// </summary>
internal sealed class ConfigLoader(NpgsqlDataSource db, ConfigCache cache, LinkIndex links, ConfigHeaders headers, PeerKeyProtector peerKeys,
    ILogger<ConfigLoader> logger)
{
    // Version 0 never exists in the table (it starts at 1), so the first load fetches the stored template.
    private volatile ConfigTemplate _template = ConfigTemplate.Default;

    /// <summary>A known token with a cached config, and any unknown token, complete synchronously and touch no database.</summary>
    public ValueTask<CachedConfig> GetAsync(string presented, CancellationToken ct)
    {
        // Anything that is no token is looked up as LinkToken.None, which is never in the index: a malformed token
        // takes the path of a well-formed unknown one, and gets the same answer in the same time.
        _ = LinkToken.TryParse(presented, out LinkToken token);
        if (links.TryGetId(token, out Guid id))
        {
            return cache.TryGet(id, out CachedConfig? entry) ? new ValueTask<CachedConfig>(entry) : new ValueTask<CachedConfig>(LoadAsync(id, ct));
        }
        return links.IsReady ? new ValueTask<CachedConfig>(CachedConfig.NotFound) : new ValueTask<CachedConfig>(LoadByTokenAsync(token, ct));
    }

    private async Task<CachedConfig> LoadAsync(Guid id, CancellationToken ct)
    {
        ConfigCache.LoadToken token = cache.BeginLoad(id);
        ConfigTemplate template = _template;
        CachedConfig entry = await QueryAsync(ConfigsStore.LoadCommand(db, id, template.Version), template, ct);
        // Deleted after the index was read, its link_changed notice still on the way: ids never come back.
        if (!entry.Found) links.Remove(id);
        cache.Store(id, entry, token);
        return entry;
    }

    /// <summary>Not stored: without the index the cache is off too, or about to be reset by the listener.</summary>
    private Task<CachedConfig> LoadByTokenAsync(LinkToken token, CancellationToken ct)
    {
        ConfigTemplate template = _template;
        return QueryAsync(ConfigsStore.LoadCommand(db, token, template.Version), template, ct);
    }

    private async Task<CachedConfig> QueryAsync(NpgsqlCommand load, ConfigTemplate template, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = load;
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Build(r, template) : CachedConfig.NotFound;
    }

    private CachedConfig Build(NpgsqlDataReader r, ConfigTemplate template)
    {
        Guid id = r.GetGuid(11);
        bool blocked = r.GetBoolean(0);
        bool overLimit = r.GetBoolean(1);
        long? expiresAtMs = r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2).ToUnixTimeMilliseconds();
        string title = r.GetString(3);
        string secret = r.GetString(4);
        long? maxTraffic = r.IsDBNull(5) ? null : r.GetInt64(5);
        string? periodText = r.IsDBNull(6) ? null : r.GetString(6);
        long anchorMs = r.GetFieldValue<DateTimeOffset>(7).ToUnixTimeMilliseconds();
        template = ResolveTemplate(template, r.IsDBNull(8) ? null : r.GetInt64(8), r.IsDBNull(9) ? null : r.GetString(9));
        string inbounds = r.GetString(10);

        ResetPeriod? period = null;
        if (periodText is not null)
        {
            if (ResetPeriod.TryParse(periodText, out ResetPeriod parsed, out string? error)) period = parsed;
            else ConfigsLog.BadResetPeriod(logger, id, error);
        }
        var state = new SubscriptionState(maxTraffic, expiresAtMs, blocked, period, anchorMs);

        // A blocked subscription is answered 403 whatever its config; building it would be wasted. Each format is rendered
        // from the model when first asked for (CachedConfig.Rendered).
        ClientConfig? model = blocked || overLimit ? null : BuildConfig(id, template, inbounds, secret);
        var devices = new DeviceSet(r.IsDBNull(12) ? null : r.GetInt32(12), r.GetFieldValue<string[]>(13));
        return new CachedConfig(id, true, state, model, overLimit ? ConfigFormats.OverLimitReason : null, headers.ProfileTitle(title), headers.FileName(title), devices,
            headers.DisplayTitle(title), r.GetString(14));
    }

    private ClientConfig BuildConfig(Guid id, ConfigTemplate template, string inboundsJson, string secret)
    {
        var inbounds = new List<ConfigInbound>();
        using JsonDocument document = JsonDocument.Parse(inboundsJson);
        foreach (JsonElement row in document.RootElement.EnumerateArray())
        {
            string node = row.GetProperty("node").GetString()!;
            string tag = row.GetProperty("tag").GetString()!;
            if (InboundSpec.TryParse(row.GetProperty("protocol").GetString(), row.GetProperty("host").GetString(), row.GetProperty("port").GetInt32(),
                    row.GetProperty("network").GetString(), row.GetProperty("tls").GetString(), row.GetProperty("settings"), out InboundSpec? spec, out var errors))
            {
                inbounds.Add(new ConfigInbound(node, tag, spec, spec.Settings is WireGuardSettings wg ? ReadPeer(id, row, wg) : null));
            }
            else
            {
                // Rows are validated on save; one that was written around the Api must not take the others down with it.
                ConfigsLog.InboundSkipped(logger, id, node, tag, string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
            }
        }
        return ClientConfig.Build(template, inbounds, secret,
            skipped => ConfigsLog.InboundSkipped(logger, id, skipped.NodeName, skipped.Tag, skipped.Spec.Protocol == InboundProtocol.WireGuard
                ? "the subscription has no readable WireGuard peer on it"
                : "the subscription's secret is no UUID, which this protocol needs"));
    }

    /// <summary>The subscription's peer on a WireGuard inbound, decrypted; null without one or when it cannot be decrypted (logged).</summary>
    private WireGuardPeer? ReadPeer(Guid subscriptionId, JsonElement row, WireGuardSettings settings)
    {
        if (row.GetProperty("peer") is not { ValueKind: JsonValueKind.Object } peer) return null;
        Guid inboundId = row.GetProperty("id").GetGuid();
        int index = peer.GetProperty("index").GetInt32();
        // Only a pool shrunk around the Api (the endpoint refuses it) leaves an index outside: no address, no config.
        if (index > settings.LastPeerIndex) return null;
        string keyId = peer.GetProperty("kid").GetString()!;
        string? privateKey = peerKeys.UnprotectToBase64(keyId, Convert.FromHexString(peer.GetProperty("key").GetString()!), subscriptionId, inboundId, PeerSecret.PrivateKey);
        string? presharedKey = null;
        bool pskReadable = peer.GetProperty("psk") is not { ValueKind: JsonValueKind.String } psk
            || (presharedKey = peerKeys.UnprotectToBase64(keyId, Convert.FromHexString(psk.GetString()!), subscriptionId, inboundId, PeerSecret.PresharedKey)) is not null;
        if (privateKey is null || !pskReadable)
        {
            WireGuardLog.PeerUnreadable(logger, subscriptionId, inboundId, keyId);
            return null;
        }
        return new WireGuardPeer(privateKey, presharedKey, index);
    }

    private ConfigTemplate ResolveTemplate(ConfigTemplate current, long? version, string? body)
    {
        if (version is null) return ConfigTemplate.Default; // the row was deleted: the shipped default
        if (body is null) return current; // unchanged since the last load
        if (!ConfigTemplate.TryCreate(body, version.Value, "", out ConfigTemplate? template, out var errors))
        {
            ConfigsLog.StoredTemplateInvalid(logger, version.Value, string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
            template = ConfigTemplate.Create(DefaultConfigTemplate.Json, version.Value); // remembered by version: logged once, not per load
        }
        _template = template;
        return template;
    }
}
