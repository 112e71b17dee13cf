using System.Globalization;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// Middleware between authentication and authorization: every request an API key authenticated counts against the
/// key's limits (<see cref="ApiKeyLimiter"/>), refused or not by authorization later. Sessions pass untouched.
/// </summary>
internal static partial class ApiKeyLimits
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
        => context.Features.Get<ApiKeyEntry>() is { } key && context.User.IsApiKey() ? CheckAsync(context, next, key) : next(context);

    private static async Task CheckAsync(HttpContext context, RequestDelegate next, ApiKeyEntry key)
    {
        ApiKeyLimit decision;
        TimeSpan retryAfter;
        try
        {
            (decision, retryAfter) = await context.RequestServices.GetRequiredService<ApiKeyLimiter>().AcquireAsync(key);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // Unbounded use is not the answer to an outage: a key's limits are part of what it grants.
            LogRedisFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiKeyLimits)), ex);
            await Problem.Of(ProblemTypes.Unavailable, "The API key's limits cannot be checked (Redis is unavailable); retry later.").ExecuteAsync(context);
            return;
        }
        if (decision == ApiKeyLimit.Allowed)
        {
            await next(context);
            return;
        }
        int seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await (decision == ApiKeyLimit.QuotaExhausted
            ? Problem.Of(ProblemTypes.QuotaExhausted, $"This API key's daily quota of {key.DailyQuota} requests is used up; it resets in {seconds} s.")
            : Problem.Of(ProblemTypes.TooManyRequests, $"Too many requests with this API key; retry in {seconds} s.")).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "API key limits could not be checked in Redis; the request was answered 503")]
    private static partial void LogRedisFailed(ILogger logger, Exception exception);
}
