namespace Vpn.Perf.Api.Features.Configs;

/// <summary>The client formats one config URL serves (docs/config-rendering.md); values index per-format slots.</summary>
internal enum ConfigFormat
{
    SingBox = 0,
    Mihomo = 1,
    Xray = 2,
    Links = 3,
    LinksPlain = 4,
    WireGuard = 5,
}
