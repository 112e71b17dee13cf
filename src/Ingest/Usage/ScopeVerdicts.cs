using System.Runtime.CompilerServices;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The scope verdicts one batch has made, by (scope, inbound), so its reports and access events ask
/// <see cref="SubscriptionScope.Allows"/> once per distinct pair instead of once each. Subscriptions share the scopes of
/// their plans and groups and a node has a few inbounds, so a batch of hundreds of items names a handful of pairs; the
/// hash lookup in a scope of a link per node (two Guids hashed and compared, through a comparer) costs more than the
/// rest of an access event's check.
/// </summary>
/// <remarks>
/// Direct-mapped with no chains: a collision only sends the item to <see cref="SubscriptionScope.Allows"/>, so inbound
/// ids a node picks cannot make a check cost more than it does without this. Valid for one node: a batch has one.
/// </remarks>
internal struct ScopeVerdicts
{
    private const int Size = 16;
    private Slots _slots;

    public bool Allows(SubscriptionScope scope, Guid inbound, Guid node)
    {
        // The scope by identity: its own hash code walks every link.
        ref Slot slot = ref _slots[(RuntimeHelpers.GetHashCode(scope) ^ inbound.GetHashCode()) & (Size - 1)];
        if (!ReferenceEquals(slot.Scope, scope) || slot.Inbound != inbound)
        {
            slot.Scope = scope;
            slot.Inbound = inbound;
            slot.Allowed = scope.Allows(inbound, node);
        }
        return slot.Allowed;
    }

    private struct Slot
    {
        public SubscriptionScope? Scope;
        public Guid Inbound;
        public bool Allowed;
    }

    [InlineArray(Size)]
    private struct Slots
    {
        private Slot _element;
    }
}
