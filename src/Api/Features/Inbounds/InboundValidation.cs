using System.Text.Json;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>
/// The one place an inbound request is checked: the row's own fields here, then everything a client config depends on
/// (protocol, host, port, network, tls and the protocol settings) by <see cref="InboundSpec.TryParse(string?, string?, int, string?, string?, JsonElement, out InboundSpec?, out Dictionary{string, string[]})"/>,
/// the same check the renderer relies on, so an inbound that saves always renders.
/// </summary>
internal static class InboundValidation
{
    public const int MaxTag = 64;
    public const int MaxHost = 253; // the longest DNS name
    public const int MaxToken = 32;
    public const int MaxLabel = 64;
    public const int MaxSettingsBytes = 16 * 1024;
    public const int MaxLinks = 1000;

    /// <summary>What an absent <c>network</c> / <c>tls</c> means (the columns' defaults).</summary>
    public const string DefaultNetwork = "tcp";
    public const string DefaultTls = "none";

    /// <summary>Per-field errors keyed by JSON property name; empty when the request is valid.</summary>
    public static Dictionary<string, string[]> Validate(InboundRequest request) => Validate(request, out _);

    /// <summary>As <see cref="Validate(InboundRequest)"/>, with the parsed inbound when it is valid.</summary>
    public static Dictionary<string, string[]> Validate(InboundRequest request, out InboundSpec? spec)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Text(errors, "tag", request.Tag, MaxTag, required: true);
        Text(errors, "host", request.Host, MaxHost, required: true);
        if (request.Port is null) errors["port"] = ["The port is required."];
        if (string.IsNullOrEmpty(request.Protocol)) errors["protocol"] = ["The protocol is required."];
        Text(errors, "network", request.Network, MaxToken, required: false);
        Text(errors, "tls", request.Tls, MaxToken, required: false);
        Text(errors, "geo", request.Geo, MaxLabel, required: false, allowEmpty: true);
        Text(errors, "purpose", request.Purpose, MaxLabel, required: false, allowEmpty: true);
        if (request.Settings is { } settings)
        {
            if (settings.ValueKind != JsonValueKind.Object) errors["settings"] = [$"settings must be a JSON object, not {settings.ValueKind}."];
            else if (settings.GetRawText().Length > MaxSettingsBytes) errors["settings"] = [$"settings is larger than {MaxSettingsBytes} bytes."];
        }
        JsonElement specSettings = errors.ContainsKey("settings") ? default : request.Settings ?? default;
        if (!InboundSpec.TryParse(request.Protocol, request.Host, request.Port ?? 0, request.Network ?? DefaultNetwork,
                request.Tls ?? DefaultTls, specSettings, out spec, out Dictionary<string, string[]> specErrors))
        {
            foreach ((string field, string[] messages) in specErrors) errors.TryAdd(field, messages);
        }
        if (errors.Count > 0) spec = null;
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
