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
/// Redis read (the usage for <c>subscription-userinfo</c>, in a round shared with concurrent fetches:
/// <see cref="LiveUsage.ReadAsync(UsageKey)"/>), and no Postgres query, for a known device (<c>x-hwid</c>) too: only a new
/// device's registration writes (<see cref="DeviceGate"/>). Unknown, rotated and malformed tokens take one path: a miss
/// in <see cref="LinkIndex"/>, the same Redis read, and the same 404, with no Postgres query either.
/// </summary>
internal sealed class ConfigFetch(ConfigLoader loader, DeviceGate devices, LiveUsage usage, ConfigHeaders headers, ActiveFormatRules rules,
    ConfigLinks links, TimeProvider time, ILogger<ConfigFetch> logger)
{
    // Accept too: a browser's Accept (with its User-Agent) gets the page instead of the config.
    private const string VaryUserAgentAndHwid = "User-Agent, Accept, " + DeviceHeaders.Hwid;

    /// <summary>
    /// Answers one fetch: <paramref name="format"/> is the URL's (query or path), null when it names none. The answer is
    /// written here rather than through a result object: a file result's range and precondition machinery is not needed
    /// for a config, and the fetch is the Api's hottest path.
    /// </summary>
    public async Task GetAsync(string token, string? format, HttpContext http)
    {
        CancellationToken ct = http.RequestAborted;
        // Judged before the token, so a bad format name says nothing about the token.
        ConfigFormat chosen;
        bool fromUserAgent = format is null;
        if (format is not null)
        {
            if (!ConfigFormats.TryParse(format, out chosen))
            {
                await Problem.Validation("format", "Must be one of " + string.Join(", ", ConfigFormats.Names) + ".").ExecuteAsync(http);
                return;
            }
        }
        else
        {
            chosen = rules.Current.Choose(http.Request.Headers.UserAgent);
        }

        CachedConfig config = await loader.GetAsync(token, ct);
        if (!config.Found)
        {
            // The same Redis round trip a known token costs, so the answer time says nothing about existence.
            await ReadUsageAsync(usage.KeyOf(Guid.Empty, config.State, 0));
            await Problem.Of(ProblemTypes.NotFound, "No subscription has this link; it may have been rotated.").ExecuteAsync(http);
            return;
        }
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (ConfigsEndpoints.Refusal(config, nowMs) is { } refused)
        {
            await refused.ExecuteAsync(http);
            return;
        }
        // A person's browser, not an app: asked only when no format was named, and only where the page can show the
        // public URL. Before the device gate, so opening the link in a browser registers no device.
        if (fromUserAgent && links.PublicPrefix is { } prefix && BrowserRequest.IsBrowser(http.Request.Headers))
        {
            await PageAsync(http, config, prefix + token, nowMs);
            return;
        }

        DeviceAccess access = await devices.CheckAsync(config, http.Request.Headers, nowMs, ct);
        if (access is DeviceAccess.HwidInvalid or DeviceAccess.HwidRequired)
        {
            await (access == DeviceAccess.HwidInvalid
                ? Problem.Of(ProblemTypes.BadRequest, DeviceHeaders.HwidRule)
                : Problem.Of(ProblemTypes.DeviceIdRequired, "This provider serves configs only to apps that send x-hwid.")).ExecuteAsync(http);
            return;
        }
        // The body, and so the ETag, depends on the HWID: a device beyond the limit gets the stub under the stub's
        // own ETag, so an If-None-Match carrying the config's ETag (cached while the device was allowed) is a 200.
        bool blocked = access == DeviceAccess.LimitReached;
        RenderedConfig rendered = blocked ? devices.Stub.Rendered(chosen) : config.Rendered(chosen);

        HttpResponse response = http.Response;
        IHeaderDictionary h = response.Headers;
        if (await ReadUsageAsync(usage.KeyOf(config.Id, config.State, nowMs)) is { } used) h[ConfigHeaders.UserInfo] = ConfigHeaders.UserInfoValue(used, config.State);
        h[ConfigHeaders.UpdateInterval] = headers.UpdateIntervalValue;
        h[ConfigHeaders.Title] = blocked ? devices.Stub.ProfileTitle : config.ProfileTitle;
        headers.AddOperatorLinks(h);
        h.ContentDisposition = rendered.ContentDisposition;
        h.ETag = rendered.ETag;
        h.CacheControl = "private, no-cache";
        h.Vary = fromUserAgent ? VaryUserAgentAndHwid : DeviceHeaders.Hwid;
        if (ConfigsEndpoints.Matches(http.Request.Headers.IfNoneMatch, rendered.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.ContentType = rendered.MediaType;
        response.ContentLength = rendered.Body.Length;
        await response.BodyWriter.WriteAsync(rendered.Body, ct);
    }

    /// <summary>
    /// The subscription page: read per request (usage changes), never cached anywhere (it shows the config URL, a bearer
    /// secret), under the page's own strict policy, in the language Accept-Language prefers.
    /// </summary>
    private async Task PageAsync(HttpContext http, CachedConfig config, string configUrl, long nowMs)
    {
        SubscriptionState state = config.State;
        long? used = await ReadUsageAsync(usage.KeyOf(config.Id, state, nowMs));
        var model = new SubscriptionPageModel(config.Title, config.Description, configUrl, used, state.MaxTraffic, config.IsOverLimit,
            state.Period is { } period ? period.PeriodEnd(state.ResetAnchorMs, nowMs) : null, state.ExpiresAtMs,
            config.Devices.Count, config.Devices.Limit, ConfigQr.Png(configUrl));
        IHeaderDictionary h = http.Response.Headers;
        h.ContentSecurityPolicy = SubscriptionPage.ContentSecurityPolicy;
        h.CacheControl = "no-store";
        h["Referrer-Policy"] = "no-referrer";
        h.XFrameOptions = "DENY";
        h.Vary = "User-Agent, Accept, Accept-Language";
        await TypedResults.Content(SubscriptionPage.Render(model, PageStrings.For(http.Request)), "text/html; charset=utf-8").ExecuteAsync(http);
    }

    /// <summary>The usage, or null when Redis cannot be read: the header is then left out, not faked.</summary>
    private async ValueTask<long?> ReadUsageAsync(UsageKey key)
    {
        try
        {
            return await usage.ReadAsync(key);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            ConfigsLog.UsageUnavailable(logger, ex, key.Id);
            return null;
        }
    }
}
