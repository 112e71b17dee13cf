using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Tests.Usage;

public sealed class ScopeVerdictsTests
{
    private static readonly Guid Node = Guid.NewGuid();

    [Fact]
    public void Allows_SameScopeOtherInbound_DecidedForThatInbound()
    {
        Guid linked = Guid.NewGuid(), other = Guid.NewGuid();
        SubscriptionScope scope = SubscriptionScope.Of([new InboundLink(linked, Node)]);
        var verdicts = new ScopeVerdicts();

        Assert.True(verdicts.Allows(scope, linked, Node));
        Assert.False(verdicts.Allows(scope, other, Node));
        Assert.True(verdicts.Allows(scope, linked, Node));
    }

    [Fact]
    public void Allows_SameInboundOtherScope_DecidedForThatScope()
    {
        Guid inbound = Guid.NewGuid();
        SubscriptionScope linked = SubscriptionScope.Of([new InboundLink(inbound, Node)]);
        SubscriptionScope elsewhere = SubscriptionScope.Of([new InboundLink(Guid.NewGuid(), Node)]);
        var verdicts = new ScopeVerdicts();

        Assert.True(verdicts.Allows(linked, inbound, Node));
        Assert.False(verdicts.Allows(elsewhere, inbound, Node));
        Assert.False(verdicts.Allows(SubscriptionScope.Empty, inbound, Node));
        Assert.True(verdicts.Allows(linked, inbound, Node));
    }

    [Fact]
    public void Allows_ManyPairsSharingSlots_EveryVerdictAsTheScopeSays()
    {
        // More pairs than slots: every collision must be decided again, never answered with another pair's verdict.
        var scopes = new SubscriptionScope[8];
        var inbounds = new Guid[8];
        for (int i = 0; i < inbounds.Length; i++) inbounds[i] = Guid.NewGuid();
        for (int s = 0; s < scopes.Length; s++) scopes[s] = SubscriptionScope.Of([new InboundLink(inbounds[s], Node)]);
        var verdicts = new ScopeVerdicts();

        for (int round = 0; round < 3; round++)
        {
            for (int s = 0; s < scopes.Length; s++)
            {
                for (int i = 0; i < inbounds.Length; i++)
                {
                    Assert.Equal(s == i, verdicts.Allows(scopes[s], inbounds[i], Node));
                }
            }
        }
    }
}
