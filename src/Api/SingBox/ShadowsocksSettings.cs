namespace Vpn.Perf.Api.SingBox;

/// <param name="Method">The cipher.</param>
/// <param name="ServerPsk">For the 2022 methods, the server's pre-shared key (base64 of the method's key length); null for the legacy AEAD methods.</param>
internal sealed record ShadowsocksSettings(string Method, string? ServerPsk) : ProtocolSettings
{
    public bool Is2022 => ServerPsk is not null;
}
