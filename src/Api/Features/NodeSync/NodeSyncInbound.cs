using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>An active inbound; <see cref="Method"/> is the shadowsocks method and <see cref="WireGuard"/> the WireGuard interface (each absent for other protocols).</summary>
internal sealed record NodeSyncInbound(Guid Id, string Tag, string Protocol, int Port,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Method,
    IReadOnlyList<NodeSyncUser> Users,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NodeSyncWireGuard? WireGuard = null);
