namespace Vpn.Perf.Api.SingBox;

/// <param name="Flow">"" or <c>xtls-rprx-vision</c>, the only flows sing-box knows.</param>
internal sealed record VlessSettings(string Flow) : ProtocolSettings
{
    public const string Vision = "xtls-rprx-vision";
}
