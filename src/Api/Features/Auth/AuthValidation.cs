using System.Net.Mail;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>Field rules of the auth requests; messages are keyed by the request's JSON property names.</summary>
internal static class AuthValidation
{
    public const int MaxEmailLength = 254;
    public const int MaxDeviceLength = 100;

    /// <summary>Sign-in passwords are not held to today's rules (migrated hashes predate them) but are bounded.</summary>
    public const int MaxLoginPasswordLength = 1024;

    /// <summary>Trims and lower-cases an email address, or says why it is not one.</summary>
    public static string? NormalizeEmail(string? email, out string? error)
    {
        error = null;
        string normalized = (email ?? "").Trim().ToLowerInvariant();
        if (normalized.Length == 0)
        {
            error = "An email address is required.";
            return null;
        }
        if (normalized.Length > MaxEmailLength)
        {
            error = $"The email address has {normalized.Length} characters; at most {MaxEmailLength} are allowed.";
            return null;
        }
        int at = normalized.IndexOf('@', StringComparison.Ordinal);
        // MailAddress accepts display names and comments; requiring it to round-trip to the same bare address keeps only addr-spec.
        if (at <= 0 || at != normalized.LastIndexOf('@') || !normalized.AsSpan(at + 1).Contains('.')
            || normalized.AsSpan().ContainsAnyInRange('\0', ' ')
            || !MailAddress.TryCreate(normalized, out MailAddress? parsed) || parsed.Address != normalized || parsed.DisplayName.Length != 0)
        {
            error = "This is not a valid email address (expected name@example.com).";
            return null;
        }
        return normalized;
    }

    /// <summary>The device label of a new session: the client's own name for it, else its User-Agent, capped.</summary>
    public static string DeviceLabel(string? deviceName, HttpContext context, Dictionary<string, string[]> errors)
    {
        if (deviceName is not null)
        {
            string trimmed = deviceName.Trim();
            if (trimmed.Length > MaxDeviceLength) errors["deviceName"] = [$"The device name has {trimmed.Length} characters; at most {MaxDeviceLength} are allowed."];
            else if (trimmed.AsSpan().ContainsAnyInRange('\0', '\u001f')) errors["deviceName"] = ["The device name must not contain control characters."];
            return trimmed;
        }
        string agent = context.Request.Headers.UserAgent.ToString();
        agent = new string(agent.Where(c => !char.IsControl(c)).Take(MaxDeviceLength).ToArray());
        return agent;
    }

    /// <summary>Lower-cased, so that case variants of one account share one rate-limit bucket.</summary>
    public static string AccountKey(string kind, string value) => kind + ":" + value.ToLowerInvariant();
}
