using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Answers "what is the config of this id" from <see cref="ConfigCache"/>, or on a miss from one Postgres query
/// (<see cref="ConfigsSql.Load"/>), rendering and caching the result; unknown ids are cached as
/// <see cref="CachedConfig.NotFound"/> the same way. The base template is kept here by version and re-read only when
/// the query says it changed.
/// </summary>
internal sealed class ConfigLoader(NpgsqlDataSource db, ConfigCache cache, ConfigHeaders headers, ILogger<ConfigLoader> logger)
{
    // Version 0 never exists in the table (it starts at 1), so the first load fetches the stored template.
    private volatile ConfigTemplate _template = ConfigTemplate.Default;

    /// <summary>A cache hit completes synchronously and touches no database.</summary>
    public ValueTask<CachedConfig> GetAsync(Guid id, CancellationToken ct)
        => cache.TryGet(id, out CachedConfig? entry) ? new ValueTask<CachedConfig>(entry) : new ValueTask<CachedConfig>(LoadAsync(id, ct));

    /// <summary>
    /// The cache key of a path segment that is no UUID: a hash of it, so a malformed id goes down exactly the path
    /// of an unknown one (one query, then a cached "not found") and answers in the same time and with the same body.
    /// </summary>
    public static Guid IdOf(string raw)
    {
        if (Guid.TryParse(raw, out Guid id)) return id;
        Span<byte> hash = stackalloc byte[32]; // SHA-256
        SHA256.HashData(Encoding.UTF8.GetBytes(raw), hash);
        return new Guid(hash[..16]);
    }

    private async Task<CachedConfig> LoadAsync(Guid id, CancellationToken ct)
    {
        ConfigCache.LoadToken token = cache.BeginLoad(id);
        ConfigTemplate template = _template;
        CachedConfig entry;
        await using (NpgsqlCommand cmd = db.CreateCommand(ConfigsSql.Load))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = template.Version });
            await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
            entry = await r.ReadAsync(ct) ? Build(id, r, template) : CachedConfig.NotFound;
        }
        cache.Store(id, entry, token);
        return entry;
    }

    private CachedConfig Build(Guid id, NpgsqlDataReader r, ConfigTemplate template)
    {
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

        // A blocked subscription is answered 403 whatever its config; rendering it would be wasted.
        byte[] body = blocked ? [] : overLimit ? ConfigRenderer.RenderStub() : ConfigRenderer.Render(BuildConfig(id, template, inbounds, secret));
        return new CachedConfig(true, state, body, ETagOf(body), headers.ProfileTitle(title), headers.ContentDisposition(title));
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
                inbounds.Add(new ConfigInbound(node, tag, spec));
            }
            else
            {
                // Rows are validated on save; one that was written around the Api must not take the others down with it.
                ConfigsLog.InboundSkipped(logger, id, node, tag, string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
            }
        }
        return ClientConfig.Build(template, inbounds, secret,
            skipped => ConfigsLog.InboundSkipped(logger, id, skipped.NodeName, skipped.Tag, "the subscription's secret is no UUID, which this protocol needs"));
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

    private static string ETagOf(byte[] body)
    {
        Span<byte> hash = stackalloc byte[32]; // SHA-256
        SHA256.HashData(body, hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }
}
