using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Vpn.Perf.Api.Features.Configs.Page;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// <c>GET /s/{token}</c> and <c>GET /s/{token}/{format}</c>: the subscription's client config in the format the URL names
/// (<c>?format=</c> or the path suffix) or else the one its User-Agent gets (<see cref="FormatRules"/>), anonymous (the
/// link token is the secret URL; see <see cref="LinkToken"/>). On a warm cache it costs three dictionary lookups and one
/// Redis GET (the usage for <c>subscription-userinfo</c>), and no Postgres query, for a known device (<c>x-hwid</c>)
/// too: only a new device's registration writes (<see cref="DeviceGate"/>). Unknown, rotated and malformed tokens take one path: a miss in
/// <see cref="LinkIndex"/>, the same Redis round trip, and the same 404, with no Postgres query either.
/// </summary>
internal static class ConfigsEndpoints
{
    // Accept too: a browser's Accept (with its User-Agent) gets the page instead of the config.
    private const string VaryUserAgentAndHwid = "User-Agent, Accept, " + DeviceHeaders.Hwid;

    /// <summary>Maps the config fetch, the template and the format rules' administration; returns the template group.</summary>
    public static RouteGroupBuilder MapConfigs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{token}", GetConfig)
            .WithName(nameof(GetConfig))
            .WithSummary("The subscription's client config in the format ?format= names (singbox, mihomo, xray, links, links-plain, wireguard), "
                + "else the one its User-Agent gets, or for a browser (Accept: text/html and a browser User-Agent) the subscription page "
                + "(anonymous: the link token is the secret; see rotate-link).")
            .WithTags("Configs")
            .AllowAnonymous();
        app.MapGet("/s/{token}/{format}", GetConfig)
            .WithName("GetConfigAs")
            .WithSummary("The subscription's client config in the format the path names (singbox, mihomo, xray, links, links-plain, wireguard).")
            .WithTags("Configs")
            .AllowAnonymous();
        app.MapConfigQr();
        app.MapFormatRules();
        return app.MapConfigTemplate();
    }

    private static async Task<Results<FileContentHttpResult, ContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> GetConfig(
        string token, string? format, HttpContext http, ConfigLoader loader, DeviceGate devices, LiveUsage usage, ConfigHeaders headers,
        ActiveFormatRules rules, ConfigLinks links, TimeProvider time, ILogger<LiveUsage> logger, CancellationToken ct)
    {
        // Judged before the token, so a bad format name says nothing about the token.
        ConfigFormat chosen;
        bool fromUserAgent = format is null;
        if (format is not null)
        {
            if (!ConfigFormats.TryParse(format, out chosen)) return Problem.Validation("format", "Must be one of " + string.Join(", ", ConfigFormats.Names) + ".");
        }
        else
        {
            chosen = rules.Current.Choose(http.Request.Headers.UserAgent);
        }

        CachedConfig config = await loader.GetAsync(token, ct);
        if (!config.Found)
        {
            // The same Redis round trip a known token costs, so the answer time says nothing about existence.
            await ReadUsageAsync(usage, usage.KeyOf(Guid.Empty, config.State, 0), logger, ct);
            return Problem.Of(ProblemTypes.NotFound, "No subscription has this link; it may have been rotated.");
        }
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Refusal(config, nowMs) is { } refused) return refused;
        // A person's browser, not an app: asked only when no format was named, and only where the page can show the
        // public URL. Before the device gate, so opening the link in a browser registers no device.
        if (fromUserAgent && links.PublicPrefix is { } prefix && BrowserRequest.IsBrowser(http.Request.Headers))
        {
            return await PageAsync(http, config, prefix + token, usage, logger, nowMs, ct);
        }

        DeviceAccess access = await devices.CheckAsync(config, http.Request.Headers, nowMs, ct);
        if (access == DeviceAccess.HwidInvalid) return Problem.Of(ProblemTypes.BadRequest, DeviceHeaders.HwidRule);
        if (access == DeviceAccess.HwidRequired) return Problem.Of(ProblemTypes.DeviceIdRequired, "This provider serves configs only to apps that send x-hwid.");
        // The body, and so the ETag, depends on the HWID: a device beyond the limit gets the stub under the stub's
        // own ETag, so an If-None-Match carrying the config's ETag (cached while the device was allowed) is a 200.
        bool blocked = access == DeviceAccess.LimitReached;
        RenderedConfig rendered = blocked ? devices.Stub.Rendered(chosen) : config.Rendered(chosen);

        IHeaderDictionary h = http.Response.Headers;
        if (await ReadUsageAsync(usage, usage.KeyOf(config.Id, config.State, nowMs), logger, ct) is { } used) h[ConfigHeaders.UserInfo] = ConfigHeaders.UserInfoValue(used, config.State);
        h[ConfigHeaders.UpdateInterval] = headers.UpdateIntervalValue;
        h[ConfigHeaders.Title] = blocked ? devices.Stub.ProfileTitle : config.ProfileTitle;
        headers.AddOperatorLinks(h);
        h.ContentDisposition = rendered.ContentDisposition;
        h.ETag = rendered.ETag;
        h.CacheControl = "private, no-cache";
        h.Vary = fromUserAgent ? VaryUserAgentAndHwid : DeviceHeaders.Hwid;
        if (Matches(http.Request.Headers.IfNoneMatch, rendered.ETag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(rendered.Body, rendered.MediaType);
    }

    /// <summary>Suspended (or the owner disabled) and expired subscriptions are refused, by the config and its QR code alike.</summary>
    internal static ProblemHttpResult? Refusal(CachedConfig config, long nowMs)
    {
        if (config.State.Suspended) return Problem.Of(ProblemTypes.SubscriptionSuspended, "This subscription is suspended; contact your provider.");
        if (config.State.ExpiresAtMs <= nowMs) return Problem.Of(ProblemTypes.SubscriptionExpired, "This subscription has expired; renew it to get a config.");
        return null;
    }

    /// <summary>
    /// The subscription page: read per request (usage changes), never cached anywhere (it shows the config URL, a bearer
    /// secret), under the page's own strict policy, in the language Accept-Language prefers.
    /// </summary>
    private static async Task<ContentHttpResult> PageAsync(HttpContext http, CachedConfig config, string configUrl, LiveUsage usage, ILogger logger,
        long nowMs, CancellationToken ct)
    {
        SubscriptionState state = config.State;
        long? used = await ReadUsageAsync(usage, usage.KeyOf(config.Id, state, nowMs), logger, ct);
        var model = new SubscriptionPageModel(config.Title, config.Description, configUrl, used, state.MaxTraffic, config.IsOverLimit,
            state.Period is { } period ? period.PeriodEnd(state.ResetAnchorMs, nowMs) : null, state.ExpiresAtMs,
            config.Devices.Count, config.Devices.Limit, ConfigQr.Png(configUrl));
        IHeaderDictionary h = http.Response.Headers;
        h.ContentSecurityPolicy = SubscriptionPage.ContentSecurityPolicy;
        h.CacheControl = "no-store";
        h["Referrer-Policy"] = "no-referrer";
        h.XFrameOptions = "DENY";
        h.Vary = "User-Agent, Accept, Accept-Language";
        return TypedResults.Content(SubscriptionPage.Render(model, PageStrings.For(http.Request)), "text/html; charset=utf-8");
    }

    /// <summary>The usage, or null when Redis cannot be read: the header is then left out, not faked.</summary>
    private static async ValueTask<long?> ReadUsageAsync(LiveUsage usage, UsageKey key, ILogger logger, CancellationToken ct)
    {
        try
        {
            return await usage.ReadAsync(key, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            ConfigsLog.UsageUnavailable(logger, ex, key.Id);
            return null;
        }
    }

    /// <summary>RFC 9110 If-None-Match: weak comparison, a list, or <c>*</c>.</summary>
    internal static bool Matches(StringValues ifNoneMatch, string etag)
    {
        foreach (string? value in ifNoneMatch)
        {
            if (value is null) continue;
            foreach (Range range in value.AsSpan().Split(','))
            {
                ReadOnlySpan<char> tag = value.AsSpan(range).Trim();
                if (tag.StartsWith("W/", StringComparison.Ordinal)) tag = tag[2..];
                if (tag is "*" || tag.SequenceEqual(etag)) return true;
            }
        }
        return false;
    }
}
