using System.Text.Json;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>
/// Body of inbound create and replace. <see cref="Settings"/> is the protocol settings object a client needs
/// (server name, reality keys, transport, flow, shadowsocks method ...). Checked by <see cref="InboundValidation.Validate(InboundRequest)"/>.
/// </summary>
internal sealed record InboundRequest(string? Tag, string? Host, int? Port, string? Protocol, string? Network, string? Tls, string? Geo,
    string? Purpose, bool? IsActive, JsonElement? Settings);
