using System.Net;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Auth.ApiKeys;

namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>The rules of a new key; errors are keyed by the request's JSON property names.</summary>
internal static class ApiKeyValidation
{
    public const int MaxNameChars = 100;

    public static ValidApiKey? Validate(CreateApiKeyRequest request, string role, ApiKeyOptions options, DateTimeOffset now,
        Dictionary<string, string[]> errors)
    {
        string name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameChars) errors["name"] = [$"A name of 1 to {MaxNameChars} characters is required."];

        var scopes = new List<string>();
        if (request.Scopes is not { Length: > 0 })
        {
            errors["scopes"] = ["At least one scope is required: " + string.Join(", ", ApiScopes.All) + "."];
        }
        else if (request.Scopes.Length > ApiScopes.All.Count)
        {
            errors["scopes"] = [$"{request.Scopes.Length} scopes given; there are {ApiScopes.All.Count}."];
        }
        else
        {
            for (int i = 0; i < request.Scopes.Length; i++)
            {
                string? scope = request.Scopes[i];
                if (scope is null || !ApiScopes.IsKnown(scope))
                {
                    errors["scopes"] = [$"scopes[{i}] is not a scope; the scopes are " + string.Join(", ", ApiScopes.All) + "."];
                    break;
                }
                // A key never exceeds its creator: this refuses it at creation, and every request re-checks the current role.
                if (!ApiScopes.Allows(role, scope))
                {
                    errors["scopes"] = [$"Scope '{scope}' is beyond what a user of role {role} may grant."];
                    break;
                }
                if (!scopes.Contains(scope)) scopes.Add(scope);
            }
        }

        if (request.ExpiresAt is { } expires && expires <= now) errors["expiresAt"] = ["The expiry must be in the future."];

        string[]? networks = null;
        if (request.AllowedIps is { } ips)
        {
            if (ips.Length == 0 || ips.Length > options.MaxAllowedNetworks)
            {
                errors["allowedIps"] = [$"Give 1 to {options.MaxAllowedNetworks} networks, or leave allowedIps out to allow any address."];
            }
            else
            {
                networks = new string[ips.Length];
                for (int i = 0; i < ips.Length; i++)
                {
                    if (ParseNetwork(ips[i]) is not { } network)
                    {
                        errors["allowedIps"] = [$"allowedIps[{i}] is neither an IP address nor a network in CIDR form with no bits set past its prefix (10.0.0.0/8, 2001:db8::/32)."];
                        break;
                    }
                    networks[i] = network.ToString();
                }
            }
        }

        int quota = request.DailyQuota ?? options.DefaultDailyQuota;
        if (quota < 1 || quota > options.MaxDailyQuota) errors["dailyQuota"] = [$"The daily quota must be 1 to {options.MaxDailyQuota} requests."];

        return errors.Count > 0 ? null : new ValidApiKey(name, [.. scopes], request.ExpiresAt, networks, quota);
    }

    /// <summary>A CIDR network, or a single address as a /32 or /128; null when it is neither.</summary>
    private static IPNetwork? ParseNetwork(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64) return null;
        text = text.Trim();
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPNetwork.TryParse(text, out IPNetwork network))
        {
            // IPNetwork clears bits past the prefix; 10.0.0.1/8 more likely means a typo than all of 10.0.0.0/8, so it is refused.
            return IPAddress.TryParse(text.AsSpan(0, slash), out IPAddress? given) && given.Equals(network.BaseAddress) ? network : null;
        }
        return slash < 0 && IPAddress.TryParse(text, out IPAddress? address)
            ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }
}
