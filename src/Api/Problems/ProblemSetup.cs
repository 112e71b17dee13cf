using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Vpn.Perf.Api.Problems;

internal static class ProblemSetup
{
    /// <summary>
    /// Every non-2xx answer is <c>application/problem+json</c> with a catalogue <c>type</c> and <c>code</c>, a
    /// <c>traceId</c> and the <c>instance</c> path; unhandled Postgres constraint violations map to 409, text
    /// Postgres cannot store (NUL) to a 400 <c>validation</c> problem.
    /// </summary>
    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Customize);
        services.AddExceptionHandler<PostgresExceptionHandler>();
        // Binding failures reach the exception handler, so a NUL in a JSON body comes back naming its field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    private static void Customize(ProblemDetailsContext context)
    {
        ProblemDetails p = context.ProblemDetails;
        p.Instance ??= context.HttpContext.Request.Path;
        p.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        if (!p.Extensions.ContainsKey(Problem.CodeKey))
        {
            ProblemType type = ProblemTypes.ForStatus(p.Status ?? context.HttpContext.Response.StatusCode);
            p.Type = type.Type;
            p.Title = type.Title;
            p.Extensions[Problem.CodeKey] = type.Code;
        }
    }

    /// <summary>
    /// Maps a unique or foreign-key violation that no handler anticipated to a 409 instead of a 500, and text that
    /// Postgres cannot hold to a 400. The NUL rule (<see cref="Hosting.TextInputGuard"/>) catches that first; the
    /// Postgres mapping is the backstop for text that reaches SQL another way (JSON documents bound as a whole).
    /// </summary>
    private sealed class PostgresExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is BadHttpRequestException { InnerException: Hosting.NulCharacterException nul })
            {
                await Problem.Validation(nul.Field, Hosting.TextInputGuard.Message).ExecuteAsync(httpContext);
                return true;
            }
            if (exception is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter })
            {
                await Problem.Validation(new Dictionary<string, string[]>(),
                    "A text value contains a character that cannot be stored (such as NUL, U+0000).").ExecuteAsync(httpContext);
                return true;
            }
            ProblemType? type = exception switch
            {
                PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => ProblemTypes.Conflict,
                PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } => ProblemTypes.ReferenceMissing,
                BadHttpRequestException bad => ProblemTypes.ForStatus(bad.StatusCode),
                _ => null,
            };
            if (type is null) return false;
            httpContext.Response.StatusCode = type.Status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new ProblemDetails
                {
                    Type = type.Type,
                    Title = type.Title,
                    Status = type.Status,
                    Detail = exception is PostgresException pg ? $"Constraint {pg.ConstraintName} was violated." : null,
                    Extensions = { [Problem.CodeKey] = type.Code },
                },
            });
        }
    }
}
