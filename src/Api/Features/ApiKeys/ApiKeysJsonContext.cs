using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.ApiKeys;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyCreated))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(List<ApiKeyResponse>))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ApiKeysJsonContext : JsonSerializerContext;
