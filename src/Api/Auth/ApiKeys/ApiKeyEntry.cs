using System.Net;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>What validating a key needs to know of it, as cached: never the key or its hash.</summary>
internal sealed record ApiKeyEntry(Guid Id, Guid UserId, string[] Scopes, DateTimeOffset? ExpiresAt, IPNetwork[]? AllowedNetworks, int DailyQuota)
{
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } at && at <= now;

    /// <summary>True without an allowlist; otherwise the address (an IPv4-mapped IPv6 one read as IPv4) must be in one of its networks.</summary>
    public bool Allows(IPAddress? address)
    {
        if (AllowedNetworks is null) return true;
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (IPNetwork network in AllowedNetworks)
        {
            if (network.Contains(address)) return true;
        }
        return false;
    }
}
