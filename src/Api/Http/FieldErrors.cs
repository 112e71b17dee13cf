using Microsoft.AspNetCore.Http.HttpResults;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Http;

/// <summary>
/// Collects per-field messages keyed by the request's JSON property names, so one 400 <c>validation</c> answer lists
/// every problem of a request at once instead of the first only.
/// </summary>
internal sealed class FieldErrors
{
    /// <summary>The highest device limit a subscription, group or plan can have.</summary>
    public const int MaxDeviceLimit = 1000;

    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
        => _errors[field] = _errors.TryGetValue(field, out string[]? existing) ? [.. existing, message] : [message];

    public void NonNegative(string field, long? value)
    {
        if (value < 0) Add(field, "Must be 0 or more (null means no restriction).");
    }

    public void MaxLength(string field, string? value, int max)
    {
        if (value is not null && value.Length > max) Add(field, $"Must be at most {max} characters; it has {value.Length}.");
    }

    /// <summary>A reset period is optional (null = never resets) but, when given, must be a valid ISO 8601 duration.</summary>
    public void ResetPeriod(string field, string? value)
    {
        if (value is not null && !Shared.Contracts.ResetPeriod.TryParse(value, out _, out string? error)) Add(field, error);
    }

    /// <summary>A device limit: null inherits, 0 is unlimited, at most <see cref="MaxDeviceLimit"/>.</summary>
    public void DeviceLimit(string field, int? value)
    {
        if (value is < 0 or > MaxDeviceLimit) Add(field, $"Must be between 0 and {MaxDeviceLimit} (0 means unlimited; null inherits).");
    }

    public ValidationProblem ToProblem() => Problem.Validation(_errors);
}
