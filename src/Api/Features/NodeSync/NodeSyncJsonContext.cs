using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>Source-generated, camelCase serialization of the sync document; property order is declaration order.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NodeSyncDocument))]
internal sealed partial class NodeSyncJsonContext : JsonSerializerContext;
