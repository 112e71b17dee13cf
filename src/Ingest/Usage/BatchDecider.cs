using System.Buffers;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The decide stage, between decoding and committing a batch: each report's subscription state (limit, period, and
/// whether to cut it off) from the state cache, loading misses from Redis in one pipelined round, and, for a batch
/// being accepted, the scope verdict of every report and access event.
/// </summary>
internal sealed class BatchDecider(SubscriptionStateCache states)
{
    // How many items ahead of its lookup each loop asks for a subscription's slot: the lookups' misses to memory then
    // overlap (about ten at once on current x86 cores) instead of each waiting for the last.
    private const int PrefetchAhead = 8;

    /// <summary>
    /// Completes <paramref name="batch"/> for <see cref="UsageApplier.ApplyAsync"/>. When <paramref name="decideScope"/>,
    /// each report and access event is out of scope unless its inbound belongs to <paramref name="nodeId"/> and its
    /// subscription is linked to that inbound; a replay passes false, its verdicts having been made at acceptance and
    /// read back from the spool. Adds to the batch's <see cref="BatchContext.Cutoff"/> only subscriptions of accepted reports, so a node
    /// learns nothing of subscriptions it does not serve. Throws StackExchange.Redis's exceptions when a load fails.
    /// </summary>
    public ValueTask DecideAsync(BatchContext batch, Guid nodeId, long nowMs, bool decideScope, CancellationToken ct)
    {
        PendingReport[] reports = batch.Reports;
        int[]? missing = null;
        int missingCount = 0;
        for (int i = 0; i < PrefetchAhead && i < batch.ReportCount; i++) states.Prefetch(reports[i].SubscriptionId);
        for (int i = 0; i < batch.ReportCount; i++)
        {
            if (i + PrefetchAhead < batch.ReportCount) states.Prefetch(reports[i + PrefetchAhead].SubscriptionId);
            ref PendingReport r = ref reports[i];
            if (r.Verdict != ReportVerdict.Accepted) continue;
            if (states.TryGet(r.SubscriptionId, nowMs, out SubscriptionTable.Entry cached))
            {
                // Usually the period the entry was loaded in still holds: its start and key name come from the entry.
                bool samePeriod = cached.InUsageKeyPeriod(nowMs);
                Decide(batch, ref r, StateFacts.Of(cached, nowMs), nodeId, decideScope,
                    samePeriod ? cached.UsageKeyPeriodStart : cached.State.PeriodStart(nowMs), samePeriod ? cached.UsageKey : null);
            }
            else
            {
                missing ??= ArrayPool<int>.Shared.Rent(batch.ReportCount + (decideScope ? batch.AccessCount : 0));
                missing[missingCount++] = i;
            }
        }
        if (decideScope)
        {
            PendingAccess[] access = batch.Access;
            for (int a = 0; a < PrefetchAhead && a < batch.AccessCount; a++) states.Prefetch(access[a].SubscriptionId);
            for (int a = 0; a < batch.AccessCount; a++)
            {
                if (a + PrefetchAhead < batch.AccessCount) states.Prefetch(access[a + PrefetchAhead].SubscriptionId);
                ref PendingAccess e = ref access[a];
                if (states.TryGetScope(e.SubscriptionId, nowMs, out SubscriptionScope scope))
                {
                    if (!batch.ScopeVerdicts.Allows(scope, e.InboundId, nodeId)) batch.Reject(ref e, ReportVerdict.OutOfScope);
                }
                else
                {
                    missing ??= ArrayPool<int>.Shared.Rent(batch.ReportCount + batch.AccessCount);
                    missing[missingCount++] = batch.ReportCount + a; // past the reports: an access event
                }
            }
        }
        return missing is null ? ValueTask.CompletedTask : LoadMissingAsync(batch, nodeId, nowMs, decideScope, missing, missingCount, ct);
    }

    private async ValueTask LoadMissingAsync(BatchContext batch, Guid nodeId, long nowMs, bool decideScope, int[] missing, int missingCount, CancellationToken ct)
    {
        try
        {
            // The states come back from the load itself, not from a second cache lookup that an invalidation
            // could empty in between (which would treat a limited subscription as unlimited for this batch).
            var ids = new Guid[missingCount];
            for (int m = 0; m < missingCount; m++)
            {
                int i = missing[m];
                ids[m] = i < batch.ReportCount ? batch.Reports[i].SubscriptionId : batch.Access[i - batch.ReportCount].SubscriptionId;
            }
            SubscriptionState[] loaded = await states.LoadAsync(ids, nowMs, ct);
            for (int m = 0; m < missingCount; m++)
            {
                int i = missing[m];
                if (i < batch.ReportCount)
                {
                    Decide(batch, ref batch.Reports[i], StateFacts.Of(SubscriptionTable.Entry.Of(loaded[m], nowMs), nowMs), nodeId, decideScope,
                        loaded[m].PeriodStart(nowMs), usageKey: null);
                }
                else if (!batch.ScopeVerdicts.Allows(loaded[m].Scope, batch.Access[i - batch.ReportCount].InboundId, nodeId))
                {
                    batch.Reject(ref batch.Access[i - batch.ReportCount], ReportVerdict.OutOfScope);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(missing);
        }
    }

    /// <summary>
    /// One report's verdict and what the usage call needs of it: the start of its period, and the name of that period's
    /// counter when the state's entry holds it (null: the call makes it).
    /// </summary>
    private static void Decide(BatchContext batch, ref PendingReport report, in StateFacts state, Guid nodeId, bool decideScope,
        long periodStart, byte[]? usageKey)
    {
        if (decideScope && !batch.ScopeVerdicts.Allows(state.Scope, report.InboundId, nodeId))
        {
            batch.Reject(ref report, ReportVerdict.OutOfScope);
            return;
        }
        report.PeriodStart = periodStart;
        report.UsageKey = usageKey;
        report.Limit = state.Limit;
        if (state.Blocked)
        {
            Cutoff.AddOnce(batch.Cutoff, report.SubscriptionId);
        }
    }

    /// <summary>What a report's verdict needs of its subscription's state: its scope, its limit (negative: none), whether it is blocked now.</summary>
    private readonly record struct StateFacts(SubscriptionScope Scope, long Limit, bool Blocked)
    {
        public static StateFacts Of(in SubscriptionTable.Entry entry, long nowMs) => new(entry.Scope, entry.Limit, entry.BlockedFromMs <= nowMs);
    }
}
