using System.Text.Json;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>
/// The one place an inbound request is checked. It covers what the row needs; the protocol settings' own rules
/// (SingBox/InboundSpec.TryParse, written separately) plug in at the marked line, so every caller gets them at once.
/// </summary>
internal static class InboundValidation
{
    public const int MaxTag = 64;
    public const int MaxHost = 253; // the longest DNS name
    public const int MaxToken = 32;
    public const int MaxLabel = 64;
    public const int MaxSettingsBytes = 16 * 1024;
    public const int MaxLinks = 1000;

    /// <summary>The protocols node sync and the config renderer know.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["vless", "vmess", "trojan", "shadowsocks", "hysteria2", "tuic"];

    /// <summary>Per-field errors keyed by JSON property name; empty when the request is valid.</summary>
    public static Dictionary<string, string[]> Validate(InboundRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Text(errors, "tag", request.Tag, MaxTag, required: true);
        Text(errors, "host", request.Host, MaxHost, required: true);
        if (request.Host is { } host && host.Any(char.IsWhiteSpace)) errors["host"] = ["The host must not contain whitespace."];
        if (request.Port is null) errors["port"] = ["The port is required."];
        else if (request.Port is < 1 or > 65535) errors["port"] = [$"The port is {request.Port}; it must be between 1 and 65535."];
        if (string.IsNullOrEmpty(request.Protocol)) errors["protocol"] = ["The protocol is required."];
        else if (!Protocols.Contains(request.Protocol, StringComparer.Ordinal))
        {
            errors["protocol"] = [$"Unknown protocol; use one of {string.Join(", ", Protocols)}."];
        }
        Text(errors, "network", request.Network, MaxToken, required: false);
        Text(errors, "tls", request.Tls, MaxToken, required: false);
        Text(errors, "geo", request.Geo, MaxLabel, required: false, allowEmpty: true);
        Text(errors, "purpose", request.Purpose, MaxLabel, required: false, allowEmpty: true);
        if (request.Settings is { } settings)
        {
            if (settings.ValueKind != JsonValueKind.Object) errors["settings"] = [$"settings must be a JSON object, not {settings.ValueKind}."];
            else if (settings.GetRawText().Length > MaxSettingsBytes) errors["settings"] = [$"settings is larger than {MaxSettingsBytes} bytes."];
            // The full protocol-settings check (InboundSpec.TryParse) goes here and adds its errors under "settings.<field>".
        }
        return errors;
    }

    /// <summary>Errors of a replacement link set; the ids are deduplicated by the caller.</summary>
    public static Dictionary<string, string[]> Validate(SubscriptionInboundsRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.InboundIds is null) errors["inboundIds"] = ["inboundIds is required (an empty list unlinks every inbound)."];
        else if (request.InboundIds.Length > MaxLinks) errors["inboundIds"] = [$"inboundIds has {request.InboundIds.Length} entries; the limit is {MaxLinks}."];
        return errors;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max, bool required, bool allowEmpty = false)
    {
        if (value is null)
        {
            if (required) errors[field] = [$"{field} is required."];
        }
        else if (!allowEmpty && string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{field} must not be empty."];
        }
        else if (value.Length > max)
        {
            errors[field] = [$"{field} has {value.Length} characters; the limit is {max}."];
        }
    }
}
