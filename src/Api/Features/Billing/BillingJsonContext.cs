using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Features.Billing.Invoices;
using Vpn.Perf.Api.Features.Billing.Lifecycle;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Api.Features.Billing.Plans;
using Vpn.Perf.Api.Features.Billing.Webhooks;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Billing;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PlanRequest))]
[JsonSerializable(typeof(PlanDto))]
[JsonSerializable(typeof(Page<PlanDto>))]
[JsonSerializable(typeof(PurchaseRequest))]
[JsonSerializable(typeof(RefundRequest))]
[JsonSerializable(typeof(PaymentDto))]
[JsonSerializable(typeof(Page<PaymentDto>))]
[JsonSerializable(typeof(RefundDto))]
[JsonSerializable(typeof(IReadOnlyList<RefundDto>))]
[JsonSerializable(typeof(RefundResult))]
[JsonSerializable(typeof(InvoiceDto))]
[JsonSerializable(typeof(Page<InvoiceDto>))]
[JsonSerializable(typeof(Totals))]
[JsonSerializable(typeof(BillingStatusDto))]
[JsonSerializable(typeof(Page<BillingStatusDto>))]
[JsonSerializable(typeof(WebhookAck))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class BillingJsonContext : JsonSerializerContext;
