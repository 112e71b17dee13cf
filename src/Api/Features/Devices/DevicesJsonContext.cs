using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Devices;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DeviceDto))]
[JsonSerializable(typeof(Page<DeviceDto>))]
[JsonSerializable(typeof(DevicesReset))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class DevicesJsonContext : JsonSerializerContext;
