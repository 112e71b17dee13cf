using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// <c>GET /s/{token}/qr</c>: the QR code of the subscription's config URL for phones, PNG unless <c>?type=svg</c> or an
/// <c>Accept</c> that names <c>image/svg+xml</c> asks for SVG. Anonymous, with the config's token rules (unknown or
/// rotated 404, suspended or expired 403). The URL is built from <see cref="ConfigOptions.PublicBaseUrl"/> only: a code
/// of the request's Host header would show whatever host the caller named.
/// </summary>
internal static class ConfigQrEndpoints
{
    private const string Png = "image/png";
    private const string Svg = "image/svg+xml";

    public static void MapConfigQr(this IEndpointRouteBuilder app)
        => app.MapGet("/s/{token}/qr", GetConfigQr)
            .WithName(nameof(GetConfigQr))
            .WithSummary("The QR code of the subscription's config URL: PNG, or SVG with ?type=svg or Accept: image/svg+xml "
                + "(anonymous: the link token is the secret; 404 unless Configs:PublicBaseUrl is set).")
            .WithTags("Configs")
            // Stream: the document shows the body as binary under both media types (no type shows no content at all).
            .Produces<Stream>(StatusCodes.Status200OK, Png, Svg)
            .Produces(StatusCodes.Status304NotModified)
            .AllowAnonymous();

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> GetConfigQr(
        string token, string? type, HttpContext http, ConfigLoader loader, ConfigLinks links, TimeProvider time, CancellationToken ct)
    {
        bool svg;
        if (type is null) svg = AcceptsSvg(http.Request.Headers.Accept);
        else if (type.Equals("svg", StringComparison.OrdinalIgnoreCase)) svg = true;
        else if (type.Equals("png", StringComparison.OrdinalIgnoreCase)) svg = false;
        else return Problem.Validation("type", "Must be png or svg.");

        CachedConfig config = await loader.GetAsync(token, ct);
        if (!config.Found) return Problem.Of(ProblemTypes.NotFound, "No subscription has this link; it may have been rotated.");
        if (ConfigsEndpoints.Refusal(config, time.GetUtcNow().ToUnixTimeMilliseconds()) is { } refused) return refused;
        if (links.PublicPrefix is not { } prefix) return Problem.Of(ProblemTypes.NotFound, "This provider serves no QR codes: its public address is not configured.");

        string url = prefix + token;
        string etag = ETagOf(url, svg);
        IHeaderDictionary h = http.Response.Headers;
        h.ETag = etag;
        // The code changes only with the token (rotate-link) or the configured base; an hour keeps a phone's reloads cheap.
        h.CacheControl = "private, max-age=3600";
        h.Vary = "Accept";
        if (ConfigsEndpoints.Matches(http.Request.Headers.IfNoneMatch, etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return svg ? TypedResults.Bytes(Encoding.UTF8.GetBytes(ConfigQr.Svg(url)), Svg) : TypedResults.Bytes(ConfigQr.Png(url), Png);
    }

    /// <summary>
    /// True when the Accept header names SVG. Chromium's image requests do (an &lt;img&gt; shows either); its page
    /// navigations and apps' fetches do not, so a link opened on its own shows the PNG.
    /// </summary>
    private static bool AcceptsSvg(Microsoft.Extensions.Primitives.StringValues accept)
    {
        foreach (string? value in accept)
        {
            if (value is not null && value.Contains(Svg, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static string ETagOf(string url, bool svg)
    {
        Span<byte> hash = stackalloc byte[32]; // SHA-256
        SHA256.HashData(Encoding.UTF8.GetBytes(svg ? "svg " + url : "png " + url), hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }
}
