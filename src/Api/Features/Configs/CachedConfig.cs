using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// What one subscription's config fetch needs, rendered once and kept in <see cref="ConfigCache"/>: the body and its
/// ETag, and the facts checked or reported per request (blocked, expiry, limits for <c>subscription-userinfo</c>, the
/// registered devices).
/// Expiry is judged at request time from <see cref="State"/>, so a cached entry never outlives its subscription.
/// </summary>
internal sealed class CachedConfig
{
    /// <summary>The answer for an unknown, rotated or malformed token.</summary>
    public static CachedConfig NotFound { get; } = new(Guid.Empty, false, SubscriptionState.Unrestricted, [], "", "", "", DeviceSet.Empty);

    public CachedConfig(Guid id, bool found, SubscriptionState state, byte[] body, string etag, string profileTitle, string contentDisposition,
        DeviceSet devices)
    {
        Id = id;
        Found = found;
        State = state;
        Body = body;
        ETag = etag;
        ProfileTitle = profileTitle;
        ContentDisposition = contentDisposition;
        Devices = devices;
    }

    /// <summary>The subscription (not secret: it is no longer the config URL); <see cref="Guid.Empty"/> when not found.</summary>
    public Guid Id { get; }

    public bool Found { get; }

    /// <summary>Suspended (or the owner disabled) in <c>Suspended</c>; effective limit, expiry and reset period for the headers.</summary>
    public SubscriptionState State { get; }

    /// <summary>The rendered config (the stub when over limit).</summary>
    public byte[] Body { get; }

    /// <summary>Strong ETag over <see cref="Body"/>, quoted.</summary>
    public string ETag { get; }

    /// <summary>The <c>profile-title</c> header value (ASCII; <c>base64:</c> form for other titles).</summary>
    public string ProfileTitle { get; }

    public string ContentDisposition { get; }

    /// <summary>The registered HWIDs and the effective device limit, as exact as the rest of the entry (see <see cref="DeviceGate"/>).</summary>
    public DeviceSet Devices { get; }
}
