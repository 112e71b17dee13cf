using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Resellers;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ResellerQuotaRequest))]
[JsonSerializable(typeof(ResellerQuotaResponse))]
[JsonSerializable(typeof(long))] // the limit and used extensions of a reseller-quota problem
internal sealed partial class ResellersJsonContext : JsonSerializerContext;
