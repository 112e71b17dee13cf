using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing;

/// <summary>
/// A sum in one currency. Totals are a list of these, one per currency, never one figure across currencies.
/// <c>refunded</c> and <c>net</c> (amount − refunded) are filled for payments and invoices alike.
/// </summary>
internal sealed record MoneyTotal(
    string Currency, int Count,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Amount,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Refunded,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Net);
