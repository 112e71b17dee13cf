using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// What one subscription's config fetch needs, kept in <see cref="ConfigCache"/>: the typed model (or the reason it is a
/// stub), each format rendered the first time it is asked for, and the facts checked or reported per request (blocked,
/// expiry, limits for <c>subscription-userinfo</c>, the registered devices). Expiry is judged at request time from <see cref="State"/>, so a
/// cached entry never outlives its subscription.
/// </summary>
internal sealed class CachedConfig
{
    private readonly ClientConfig? _model;
    private readonly string? _stubReason;
    private readonly string _fileName;
    private readonly RenderedConfig?[] _rendered = new RenderedConfig?[ConfigFormats.Count];

    /// <summary>The answer for an unknown, rotated or malformed token.</summary>
    public static CachedConfig NotFound { get; } = new(Guid.Empty, false, SubscriptionState.Unrestricted, null, null, "", "", DeviceSet.Empty);

    /// <param name="id">The subscription.</param>
    /// <param name="found">False only for <see cref="NotFound"/>.</param>
    /// <param name="state">What is judged per request and reported in the headers.</param>
    /// <param name="model">The config; null for a blocked subscription (answered 403, never rendered) or a stub.</param>
    /// <param name="stubReason">Set when every format answers its stub, named for this reason (over the limit).</param>
    /// <param name="profileTitle">The <c>profile-title</c> header value.</param>
    /// <param name="fileName">The download's name without extension (each format adds its own).</param>
    /// <param name="devices">The registered HWIDs and the effective device limit.</param>
    /// <param name="title">The title as people read it (the subscription page); not encoded for any output.</param>
    /// <param name="description">The subscription's notes, shown on the page; not encoded for any output.</param>
    public CachedConfig(Guid id, bool found, SubscriptionState state, ClientConfig? model, string? stubReason, string profileTitle, string fileName,
        DeviceSet devices, string title = "", string description = "")
    {
        Title = title;
        Description = description;
        Id = id;
        Found = found;
        State = state;
        _model = model;
        _stubReason = stubReason;
        ProfileTitle = profileTitle;
        _fileName = fileName;
        Devices = devices;
    }

    /// <summary>The subscription (not secret: it is no longer the config URL); <see cref="Guid.Empty"/> when not found.</summary>
    public Guid Id { get; }

    public bool Found { get; }

    /// <summary>Suspended (or the owner disabled) in <c>Suspended</c>; effective limit, expiry and reset period for the headers.</summary>
    public SubscriptionState State { get; }

    /// <summary>The <c>profile-title</c> header value (ASCII; <c>base64:</c> form for other titles).</summary>
    public string ProfileTitle { get; }

    /// <summary>The registered HWIDs and the effective device limit, as exact as the rest of the entry (see <see cref="DeviceGate"/>).</summary>
    public DeviceSet Devices { get; }

    /// <summary>The title people read; raw text, encoded by whoever writes it out.</summary>
    public string Title { get; }

    /// <summary>The subscription's notes; raw text, encoded by whoever writes it out.</summary>
    public string Description { get; }

    /// <summary>Over the traffic limit: the only reason a whole entry answers its stub.</summary>
    public bool IsOverLimit => _stubReason is not null;

    /// <summary>
    /// The config in <paramref name="format"/>, rendered on first use. Two requests may render the same format at once;
    /// both bodies are equal and the first stored is kept, so every answer carries the same ETag.
    /// </summary>
    public RenderedConfig Rendered(ConfigFormat format)
    {
        ref RenderedConfig? slot = ref _rendered[(int)format];
        if (Volatile.Read(ref slot) is { } rendered) return rendered;
        byte[] body = _model is null
            ? ConfigFormats.RenderStub(format, _stubReason ?? ConfigFormats.NoServerReason)
            : ConfigFormats.Render(format, _model);
        return Interlocked.CompareExchange(ref slot, new RenderedConfig(format, body, _fileName), null) ?? slot;
    }
}
