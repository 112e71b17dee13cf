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
/// Open addressing over a few slots: a pair probes <see cref="MaxProbes"/> slots from its home and, when all hold other
/// pairs, takes its home slot over. With direct-mapped slots (the first version) two of four pairs share a slot in about
/// one batch of three and then evict each other on every other event, each eviction a lookup in a scope's table that the
/// request buffers may have pushed out of the CPU's cache. (Not measured apart: the HTTP path's loss was mostly one
/// scope parsed into many instances, which defeats these verdicts however they are laid out; docs/perf.md.) The probes
/// are bounded, so inbound ids a node picks cannot make a check cost more than a few compares beyond
/// <see cref="SubscriptionScope.Allows"/>. Valid for one node: a batch has one.
/// </remarks>
internal struct ScopeVerdicts
{
    private const int Size = 16;
    private const int MaxProbes = 4;
    private Slots _slots;

    public bool Allows(SubscriptionScope scope, Guid inbound, Guid node)
    {
        // The scope by identity: its own hash code walks every link.
        int home = (scope.InstanceHash ^ inbound.GetHashCode()) & (Size - 1);
        for (int probe = 0; probe < MaxProbes; probe++)
        {
            ref Slot slot = ref _slots[(home + probe) & (Size - 1)];
            if (slot.Scope is null) return Decide(ref slot, scope, inbound, node);
            if (ReferenceEquals(slot.Scope, scope) && slot.Inbound == inbound) return slot.Allowed;
        }
        return Decide(ref _slots[home], scope, inbound, node);
    }

    private static bool Decide(ref Slot slot, SubscriptionScope scope, Guid inbound, Guid node)
    {
        slot.Scope = scope;
        slot.Inbound = inbound;
        return slot.Allowed = scope.Allows(inbound, node);
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
