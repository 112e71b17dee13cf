using System.Text.Json;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Inbounds;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(InboundRequest))]
[JsonSerializable(typeof(InboundResponse))]
[JsonSerializable(typeof(Page<InboundResponse>))]
[JsonSerializable(typeof(SubscriptionInboundsRequest))]
[JsonSerializable(typeof(SubscriptionInboundsResponse))]
internal sealed partial class InboundsJsonContext : JsonSerializerContext;
