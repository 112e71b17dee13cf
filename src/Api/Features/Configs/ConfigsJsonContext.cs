using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Configs;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConfigTemplateView))]
[JsonSerializable(typeof(ConfigTemplateUpdate))]
internal sealed partial class ConfigsJsonContext : JsonSerializerContext;
