using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Groups;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(GroupRequest))]
[JsonSerializable(typeof(GroupDto))]
[JsonSerializable(typeof(Page<GroupDto>))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class GroupsJsonContext : JsonSerializerContext;
