using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Usage;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UsageHistory))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
