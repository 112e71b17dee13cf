using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Subscriptions;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateSubscriptionRequest))]
[JsonSerializable(typeof(UpdateSubscriptionRequest))]
[JsonSerializable(typeof(BulkRequest))]
[JsonSerializable(typeof(BulkExtendRequest))]
[JsonSerializable(typeof(BulkResult))]
[JsonSerializable(typeof(SubscriptionFilter))]
[JsonSerializable(typeof(SubscriptionDto))]
[JsonSerializable(typeof(Page<SubscriptionDto>))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class SubscriptionsJsonContext : JsonSerializerContext;
