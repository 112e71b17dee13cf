using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Configs;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConfigTemplateView))]
[JsonSerializable(typeof(ConfigTemplateUpdate))]
[JsonSerializable(typeof(FormatRulesView))]
[JsonSerializable(typeof(FormatRulesUpdate))]
[JsonSerializable(typeof(IReadOnlyList<FormatRule>))]
internal sealed partial class ConfigsJsonContext : JsonSerializerContext;
