using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// <c>GET /s/{token}</c> and <c>GET /s/{token}/{format}</c> (<see cref="ConfigFetch"/>), the QR code, the template and
/// the format rules.
/// </summary>
internal static class ConfigsEndpoints
{
    /// <summary>Maps the config fetch, the template and the format rules' administration; returns the template group.</summary>
    public static RouteGroupBuilder MapConfigs(this IEndpointRouteBuilder app)
    {
        // The fetch is the Api's hottest path and needs nothing of the pipeline after routing (it is anonymous and writes
        // every answer itself), so it short-circuits past status-code pages, authentication, API-key limits and
        // authorization, and its services are resolved once here rather than from a request scope per fetch.
        ConfigFetch fetch = app.ServiceProvider.GetRequiredService<ConfigFetch>();
        app.MapGet("/s/{token}", (string token, string? format, HttpContext http) => fetch.GetAsync(token, format, http))
            .WithName("GetConfig")
            .WithSummary("The subscription's client config in the format ?format= names (singbox, mihomo, xray, links, links-plain, wireguard), "
                + "else the one its User-Agent gets, or for a browser (Accept: text/html and a browser User-Agent) the subscription page "
                + "(anonymous: the link token is the secret; see rotate-link).")
            .DescribeConfigAnswers();
        app.MapGet("/s/{token}/{format}", (string token, string format, HttpContext http) => fetch.GetAsync(token, format, http))
            .WithName("GetConfigAs")
            .WithSummary("The subscription's client config in the format the path names (singbox, mihomo, xray, links, links-plain, wireguard).")
            .DescribeConfigAnswers();
        app.MapConfigQr();
        app.MapFormatRules();
        return app.MapConfigTemplate();
    }

    // The fetch writes its answers itself, so the OpenAPI document learns them here.
    private static IEndpointConventionBuilder DescribeConfigAnswers(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<Stream>(StatusCodes.Status200OK, "application/json", "text/yaml", "text/plain", "text/html")
        .Produces(StatusCodes.Status304NotModified)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithTags("Configs")
        .AllowAnonymous()
        .ShortCircuit();

    /// <summary>Suspended (or the owner disabled) and expired subscriptions are refused, by the config and its QR code alike.</summary>
    internal static ProblemHttpResult? Refusal(CachedConfig config, long nowMs)
    {
        if (config.State.Suspended) return Problem.Of(ProblemTypes.SubscriptionSuspended, "This subscription is suspended; contact your provider.");
        if (config.State.ExpiresAtMs <= nowMs) return Problem.Of(ProblemTypes.SubscriptionExpired, "This subscription has expired; renew it to get a config.");
        return null;
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
