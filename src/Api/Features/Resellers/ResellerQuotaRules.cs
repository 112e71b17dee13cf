using Microsoft.AspNetCore.Http.HttpResults;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// What a reseller's quota allows, judged on a <see cref="ResellerQuota"/> read under its row lock. A refusal is a
/// 409 <c>reseller-quota</c> problem whose <c>quota</c> extension names the limit (<c>maxSubscriptions</c>,
/// <c>maxTotalTraffic</c>, <c>allowedPlans</c>, <c>allowedInbounds</c>) and whose <c>limit</c> and <c>used</c> say by how much.
/// </summary>
internal static class ResellerQuotaRules
{
    /// <summary>
    /// A subscription of <paramref name="maxTraffic"/> bytes under <paramref name="plan"/>: a new one when
    /// <paramref name="adds"/>, else a change of the one the consumption leaves out. A change that does not raise its
    /// limit passes even over a quota lowered since: what exists is kept, only going further is refused.
    /// </summary>
    public static ProblemHttpResult? Subscription(ResellerQuota quota, long maxTraffic, Guid? plan, bool adds)
    {
        if (adds && quota.Subscriptions + 1 > quota.MaxSubscriptions)
        {
            return Refuse("maxSubscriptions", quota.MaxSubscriptions, quota.Subscriptions,
                $"The reseller may have {quota.MaxSubscriptions} subscriptions and has {quota.Subscriptions}.");
        }
        if (quota.TotalTraffic + maxTraffic > quota.MaxTotalTraffic && (adds || maxTraffic > quota.ChangedTraffic))
        {
            return Refuse("maxTotalTraffic", quota.MaxTotalTraffic, quota.TotalTraffic,
                $"The reseller's subscriptions may have {quota.MaxTotalTraffic} bytes of traffic limits in total; {quota.TotalTraffic} are given out and this asks {maxTraffic} more.");
        }
        if (plan is { } p && Array.IndexOf(quota.AllowedPlans, p) < 0)
        {
            return Refuse("allowedPlans", null, null, $"Plan {p} is not one the reseller may sell.");
        }
        return null;
    }

    /// <summary>Every one of <paramref name="inbounds"/> must be an allowed inbound.</summary>
    public static ProblemHttpResult? Inbounds(ResellerQuota quota, IEnumerable<Guid> inbounds)
    {
        foreach (Guid inbound in inbounds)
        {
            if (Array.IndexOf(quota.AllowedInbounds, inbound) < 0)
                return Refuse("allowedInbounds", null, null, $"Inbound {inbound} is not one the reseller may link.");
        }
        return null;
    }

    private static ProblemHttpResult Refuse(string quota, long? limit, long? used, string detail)
    {
        var extensions = new Dictionary<string, object?> { ["quota"] = quota };
        if (limit is not null)
        {
            extensions["limit"] = limit;
            extensions["used"] = used;
        }
        return Problem.Of(ProblemTypes.ResellerQuota, detail, extensions);
    }
}
