namespace Vpn.Perf.Api.Features.Billing.Lifecycle;

/// <summary>
/// The billing side of a subscription bought through a plan: which plan, until when, whether it renews
/// automatically, and the plan's device limit (recorded and shown; nothing in the stack can count devices yet).
/// <c>ConfigUrl</c> is the subscription's config URL, as in the subscription resource.
/// </summary>
internal sealed record BillingStatusDto(
    Guid SubscriptionId, string ConfigUrl, Guid CustomerId, Guid PlanId, string PlanName, DateTimeOffset? ExpiresAt, bool IsExpired, bool IsSuspended,
    bool AutoRenew, int? DeviceLimit, Guid? LastPaymentId);
