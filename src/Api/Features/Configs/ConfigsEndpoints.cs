using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;

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
    private const string VaryUserAgentAndHwid = "User-Agent, " + DeviceHeaders.Hwid;

    /// <summary>Maps the config fetch, the template and the format rules' administration; returns the template group.</summary>
    public static RouteGroupBuilder MapConfigs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{token}", GetConfig)
            .WithName(nameof(GetConfig))
            .WithSummary("The subscription's client config in the format ?format= names (singbox, mihomo, xray, links, links-plain, wireguard), "
                + "else the one its User-Agent gets (anonymous: the link token is the secret; see rotate-link).")
            .WithTags("Configs")
            .AllowAnonymous();
        app.MapGet("/s/{token}/{format}", GetConfig)
            .WithName("GetConfigAs")
            .WithSummary("The subscription's client config in the format the path names (singbox, mihomo, xray, links, links-plain, wireguard).")
            .WithTags("Configs")
            .AllowAnonymous();
        app.MapFormatRules();
        return app.MapConfigTemplate();
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> GetConfig(
        string token, string? format, HttpContext http, ConfigLoader loader, DeviceGate devices, LiveUsage usage, ConfigHeaders headers,
        ActiveFormatRules rules, TimeProvider time, ILogger<LiveUsage> logger, CancellationToken ct)
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
        if (config.State.Suspended) return Problem.Of(ProblemTypes.SubscriptionSuspended, "This subscription is suspended; contact your provider.");
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (config.State.ExpiresAtMs <= nowMs) return Problem.Of(ProblemTypes.SubscriptionExpired, "This subscription has expired; renew it to get a config.");

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
    private static bool Matches(StringValues ifNoneMatch, string etag)
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
