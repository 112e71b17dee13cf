using System.Collections.Immutable;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// Client TLS of an inbound. <see cref="Reality"/> set means REALITY, which always runs over uTLS, so
/// <see cref="Fingerprint"/> is never null then (it defaults to chrome).
/// </summary>
/// <param name="ServerName">SNI; null lets sing-box fall back to the server address.</param>
/// <param name="Alpn">ALPN protocols in order; empty = sing-box's default.</param>
/// <param name="Fingerprint">uTLS fingerprint; null = plain Go TLS (the only choice over QUIC).</param>
/// <param name="Insecure">Skip certificate verification (self-signed test nodes).</param>
/// <param name="Reality">REALITY parameters, or null for ordinary TLS.</param>
internal sealed record TlsSpec(string? ServerName, ImmutableArray<string> Alpn, string? Fingerprint, bool Insecure, RealitySpec? Reality);
