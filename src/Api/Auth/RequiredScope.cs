namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Endpoint metadata: the API-key scope an endpoint needs, or <see cref="SessionOnly"/> (<see cref="Scope"/> null)
/// when keys may not call it at all (account and key management: a leaked key must not mint keys or change the
/// password). An endpoint without this metadata refuses keys too; the most specific one (the endpoint's, then its
/// group's) decides.
/// </summary>
internal sealed class RequiredScope(string? scope)
{
    public static readonly RequiredScope SessionOnly = new(null);

    public string? Scope { get; } = scope;
}
