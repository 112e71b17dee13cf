namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>The values of <c>payments.status</c> (schema/postgres/0008_billing.sql).</summary>
internal static class PaymentStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string PartiallyRefunded = "partially_refunded";
    public const string Refunded = "refunded";

    public static readonly string[] All = [Pending, Succeeded, Failed, PartiallyRefunded, Refunded];

    /// <summary>Money was received (totals count these).</summary>
    public static readonly string[] Paid = [Succeeded, PartiallyRefunded, Refunded];

    public static bool IsRefundable(string status) => status is Succeeded or PartiallyRefunded;
}
