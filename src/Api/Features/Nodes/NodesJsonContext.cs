using System.Text.Json;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Nodes;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NodeRequest))]
[JsonSerializable(typeof(NodeResponse))]
[JsonSerializable(typeof(Page<NodeResponse>))]
[JsonSerializable(typeof(NodeTokenCreated))]
[JsonSerializable(typeof(NodeTokenResponse))]
[JsonSerializable(typeof(Page<NodeTokenResponse>))]
internal sealed partial class NodesJsonContext : JsonSerializerContext;
