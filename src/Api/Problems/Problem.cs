using Microsoft.AspNetCore.Http.HttpResults;

namespace Vpn.Perf.Api.Problems;

/// <summary>Builds typed problem results from the catalogue, so every error body has <c>type</c>, <c>title</c>, <c>status</c> and <c>code</c>.</summary>
internal static class Problem
{
    public const string CodeKey = "code";

    public static ProblemHttpResult Of(ProblemType type, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var ext = extensions is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(extensions);
        ext[CodeKey] = type.Code;
        return TypedResults.Problem(detail: detail, statusCode: type.Status, title: type.Title, type: type.Type, extensions: ext);
    }

    public static ProblemHttpResult NotFound(string resource, object id) => Of(ProblemTypes.NotFound, $"No {resource} has id {id}.");

    /// <summary>400 with per-field messages, keyed by the request's JSON property names.</summary>
    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string? detail = null)
        => TypedResults.ValidationProblem(errors, detail, type: ProblemTypes.Validation.Type, title: ProblemTypes.Validation.Title,
            extensions: new Dictionary<string, object?> { [CodeKey] = ProblemTypes.Validation.Code });

    public static ValidationProblem Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });
}
