namespace Vpn.Perf.Api.SingBox;

/// <summary><c>inbounds.tls</c>: none, TLS, or REALITY.</summary>
internal enum InboundSecurity
{
    None = 1,
    Tls = 2,
    Reality = 3,
}
