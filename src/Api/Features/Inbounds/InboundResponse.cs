using System.Text.Json;

namespace Vpn.Perf.Api.Features.Inbounds;

internal sealed record InboundResponse(Guid Id, Guid NodeId, string Tag, string Host, int Port, string Protocol, string Network, string Tls,
    string Geo, string Purpose, bool IsActive, JsonElement Settings, DateTimeOffset CreatedAt);
