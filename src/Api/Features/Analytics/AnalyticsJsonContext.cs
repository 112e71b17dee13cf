using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Analytics;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AnalyticsUsage))]
[JsonSerializable(typeof(AnalyticsBreakdown))]
[JsonSerializable(typeof(TopSubscriptions))]
[JsonSerializable(typeof(NodeStatusReport))]
[JsonSerializable(typeof(SubscriptionCounts))]
internal sealed partial class AnalyticsJsonContext : JsonSerializerContext;
