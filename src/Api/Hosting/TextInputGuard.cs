using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Hosting;

/// <summary>
/// The one rule for NUL characters in query values: Postgres text cannot hold U+0000 (it answers 22021), so such a
/// request is a 400 <c>validation</c> problem before any endpoint binds it. JSON bodies are covered by
/// <see cref="NulRejectingStringConverter"/>; route values need nothing, since Kestrel refuses a path that decodes
/// to a NUL before the Api sees it. Every request passes through here, the config fetch included, so the accepting
/// path is one vectorised scan and allocates nothing.
/// </summary>
internal static class TextInputGuard
{
    public const string Message = "Must not contain a NUL character (U+0000).";

    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // The query string arrives raw, where the only way to say NUL is "%00" (a literal NUL in the request target
        // is refused by Kestrel, and an overlong UTF-8 form decodes to U+FFFD, not NUL).
        QueryString query = context.Request.QueryString;
        return query.HasValue && query.Value.Contains("%00", StringComparison.Ordinal) ? RejectAsync(context) : next(context);
    }

    private static Task RejectAsync(HttpContext context)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach ((string key, Microsoft.Extensions.Primitives.StringValues values) in context.Request.Query)
        {
            if (key.Contains('\0', StringComparison.Ordinal)) errors["query"] = [Message];
            foreach (string? value in values)
            {
                if (value is not null && value.Contains('\0', StringComparison.Ordinal)) errors[key] = [Message];
            }
        }
        if (errors.Count == 0) errors["query"] = [Message];
        return Problem.Validation(errors).ExecuteAsync(context);
    }
}
