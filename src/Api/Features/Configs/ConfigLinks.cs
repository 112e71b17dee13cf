using Microsoft.Extensions.Options;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// The absolute config URL (<c>&lt;base&gt;/s/&lt;token&gt;</c>) that subscription resources return: the base is
/// <see cref="ConfigOptions.PublicBaseUrl"/> when set, else the request's own scheme, host and path base.
/// </summary>
internal sealed class ConfigLinks(IOptions<ConfigOptions> options)
{
    private readonly string? _configured = options.Value.PublicBaseUrl is { Length: > 0 } url ? url.TrimEnd('/') + "/s/" : null;

    /// <summary>
    /// What a token is appended to when the answer is anonymous (the QR code, the subscription page): only the
    /// configured base, never the request's Host header, which whoever sends the request chooses. Null when unset.
    /// </summary>
    public string? PublicPrefix => _configured;

    /// <summary>What a token is appended to, for every row of one response.</summary>
    public string PrefixFor(HttpRequest request)
        => _configured ?? request.Scheme + "://" + request.Host.ToUriComponent() + request.PathBase.ToUriComponent() + "/s/";
}
