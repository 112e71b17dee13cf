namespace Vpn.Perf.Api.SingBox;

/// <param name="Host">Host header (a single value, unlike <see cref="HttpTransport"/>), or null.</param>
/// <param name="Path">Request path, starting with '/'.</param>
internal sealed record HttpUpgradeTransport(string? Host, string Path) : TransportSpec;
