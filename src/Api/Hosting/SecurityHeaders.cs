namespace Vpn.Perf.Api.Hosting;

/// <summary>
/// Response headers every Api answer carries (<c>X-Content-Type-Options: nosniff</c>) and the browsable API
/// reference's Content-Security-Policy. Added as the response starts, so answers written by the exception handler
/// (which clears the headers set before) carry them too.
/// </summary>
internal static class SecurityHeaders
{
    public const string DocsPrefix = "/api/docs";

    /// <summary>
    /// Swagger UI at <c>/api/docs</c> loads its own scripts and styles from itself (no inline script) and fetches the
    /// OpenAPI document and the "try it out" calls from the same origin. Styles need <c>'unsafe-inline'</c>: the
    /// swagger-ui bundle renders syntax highlighting and models with inline style attributes. Its CSS draws icons
    /// from <c>data:</c> SVG images. Nobody may frame it.
    /// </summary>
    public const string DocsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            IHeaderDictionary headers = ctx.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (ctx.Request.Path.StartsWithSegments(DocsPrefix, StringComparison.OrdinalIgnoreCase))
            {
                headers.ContentSecurityPolicy = DocsPolicy;
                headers.XFrameOptions = "DENY";
            }
            return Task.CompletedTask;
        }, context);
        return next(context);
    }

    /// <summary>For answers that show a secret (tokens, a node key, a config URL): no cache along the way may keep a copy.</summary>
    public static TBuilder NoStore<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.AddEndpointFilter(static (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return next(context);
        });
}
