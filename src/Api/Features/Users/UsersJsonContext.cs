using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Users;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(UserDto))]
[JsonSerializable(typeof(Page<UserDto>))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class UsersJsonContext : JsonSerializerContext;
