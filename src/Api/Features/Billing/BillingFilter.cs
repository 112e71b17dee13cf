using System.Security.Claims;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Billing;

/// <summary>
/// The filter of the payment and invoice lists and totals; every criterion present must hold. A customer's filter is
/// always confined to their own records, whatever <c>customer</c> says.
/// </summary>
internal sealed record BillingFilter(Guid? Customer, string[]? Statuses, Guid? Plan, DateTimeOffset? From, DateTimeOffset? To)
{
    public static BillingFilter Read(ClaimsPrincipal user, Guid? customer, string? status, Guid? plan, DateTimeOffset? from, DateTimeOffset? to,
        FieldErrors errors)
    {
        if (status is not null && !PaymentStatus.All.Contains(status, StringComparer.Ordinal))
            errors.Add("status", $"Must be one of {string.Join(", ", PaymentStatus.All)}.");
        if (from is not null && to is not null && from >= to) errors.Add("to", "Must be later than from.");
        Guid? scope = user.ReadsAll() ? customer : user.UserId();
        return new BillingFilter(scope, status is null ? null : [status], plan, from, to);
    }

    /// <summary>Binds $1-$5.</summary>
    public Npgsql.NpgsqlCommand Bind(Npgsql.NpgsqlCommand cmd) => cmd
        .Arg(Customer, NpgsqlDbType.Uuid)
        .Arg(Statuses, NpgsqlDbType.Array | NpgsqlDbType.Text)
        .Arg(Plan, NpgsqlDbType.Uuid)
        .Arg(From)
        .Arg(To);
}
