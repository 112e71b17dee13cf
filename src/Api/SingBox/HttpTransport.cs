using System.Collections.Immutable;

namespace Vpn.Perf.Api.SingBox;

/// <summary>sing-box's <c>http</c> transport: HTTP/2 over TLS, plain HTTP/1.1 without.</summary>
/// <param name="Hosts">Host header candidates, one picked per request; empty = none.</param>
/// <param name="Path">Request path, starting with '/'.</param>
internal sealed record HttpTransport(ImmutableArray<string> Hosts, string Path) : TransportSpec;
