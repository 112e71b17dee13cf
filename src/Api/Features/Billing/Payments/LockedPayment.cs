namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// A payment row read under <c>FOR UPDATE</c>: every state change (completion, failure, refund) takes this lock
/// first (<see cref="PaymentsStore.LockAsync"/>), so two changes of one payment run one after the other and the second sees what the first did.
/// </summary>
internal sealed record LockedPayment(
    Guid Id, string Status, decimal Amount, string Currency, decimal Refunded, Guid? SubscriptionId, DateTimeOffset? PeriodStart,
    DateTimeOffset? PeriodEnd, Guid CustomerId, string Provider, Guid PlanId, string Duration);
