using System.Globalization;
using System.Text.Json;

namespace Vpn.Perf.Api.Features.Billing;

/// <summary>Audit meta and ETags of the billing endpoints.</summary>
internal static class BillingJson
{
    /// <summary>Serializes a contract (one of <see cref="BillingJsonContext"/>'s types) as audit meta.</summary>
    public static JsonElement Meta<T>(T value) => JsonSerializer.SerializeToElement(value, typeof(T), BillingJsonContext.Default);

    public static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Money in audit meta and messages: invariant culture, the currency's decimals.</summary>
    public static string Money(decimal amount, string currency) => Currencies.Normalize(amount, currency).ToString(CultureInfo.InvariantCulture) + " " + currency;
}
