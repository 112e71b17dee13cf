using System.Runtime.CompilerServices;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Tests.Usage;

public sealed class BatchContextTests
{
    [Fact]
    public void Policy_ContextBackFromANodesBatch_CarriesNoVerdictOrCountIntoTheNext()
    {
        // A pooled context serves one node's batch and then another's: a verdict kept from the first would let the
        // second node's reports through a scope that only the first node serves.
        Guid first = Guid.NewGuid(), second = Guid.NewGuid(), inbound = Guid.NewGuid();
        SubscriptionScope scope = SubscriptionScope.Of([new InboundLink(inbound, first)]);
        var policy = new BatchContextPolicy();
        BatchContext batch = policy.Create();
        batch.EnsureAccessCapacity(150);
        batch.AccessCount = 150;
        Assert.True(batch.ScopeVerdicts.Allows(scope, inbound, first));
        batch.Reject(ref batch.Access[0], ReportVerdict.OutOfScope);
        batch.Cutoff.Add(Guid.NewGuid());

        Assert.True(policy.Return(batch));

        Assert.False(batch.ScopeVerdicts.Allows(scope, inbound, second));
        Assert.Equal((0, 0, 0), (batch.AccessCount, batch.Rejected, batch.Cutoff.Count));
    }

    [Fact]
    public void Policy_ReturnedContext_KeepsUsualArraysAndGivesBackHugeOnes()
    {
        var policy = new BatchContextPolicy();
        BatchContext batch = policy.Create();
        batch.EnsureCapacity(250);
        batch.EnsureAccessCapacity(65_536);
        PendingReport[] reports = batch.Reports;

        policy.Return(batch);

        Assert.Same(reports, batch.Reports);
        Assert.Empty(batch.Access);
        Assert.True((long)reports.Length * Unsafe.SizeOf<PendingReport>() <= 64 * 1024);
    }
}
