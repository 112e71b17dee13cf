namespace Vpn.Perf.Api.SingBox;

internal sealed record TrojanSettings : ProtocolSettings
{
    public static TrojanSettings Instance { get; } = new();
}
