using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Shared.Contracts;

/// <summary>
/// Where a subscription may be served, as Ingest checks it: its linked inbounds, each with its node. A report counts
/// only when its (inbound, reporting node) pair is one of these. Published content-addressed: the pairs' ids back to
/// back, 64 lowercase hex digits each (inbound then node), sorted, no separators (<see cref="Format"/>), under the key
/// <c>scope:&lt;id&gt;</c>, where <see cref="Id"/> is drawn from that text; the state hash's <c>scope</c> field names the id.
/// </summary>
/// <remarks>
/// Subscriptions get their links from plans and groups, so thousands share one scope, and a scope grows with the fleet
/// (a subscription served by every node has a link per node). Carried in each state hash, the links made every state
/// read and every cached state as large as the fleet (256 nodes: 16 KiB read and 8 KiB held per subscription, re-read
/// every 30 s). By id, a state read stays a few fields, and Ingest reads and holds each distinct scope once: the text
/// under an id never changes, so a cached scope needs no invalidation.
/// A plan that grants whole nodes is materialised into links at each completion, so links are the whole truth.
/// </remarks>
public sealed class SubscriptionScope : IEquatable<SubscriptionScope>
{
    /// <summary>Hex digits of one link in the published field.</summary>
    public const int LinkChars = RedisKeys.IdChars * 2;

    /// <summary>Hex digits of an <see cref="Id"/>: 128 bits of the text's SHA-256, so no staff edit can make two scopes collide.</summary>
    public const int IdChars = 32;

    private readonly InboundLink[] _links;
    // The check's table: a hash lookup, not a binary search over the sorted links (with a link per node of a 256-node
    // fleet, the search's Guid comparisons cost Ingest more than the rest of an access event's handling).
    private readonly HashSet<InboundLink> _set;
    private string? _id;

    /// <summary>
    /// A hash of this instance (not of its links, which <see cref="GetHashCode"/> walks), for tables keyed by the instance:
    /// a field read, where <see cref="System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode"/> reads the object header
    /// through a call.
    /// </summary>
    public int InstanceHash { get; } = Random.Shared.Next();

    private SubscriptionScope(InboundLink[] sorted)
    {
        _links = sorted;
        _set = new HashSet<InboundLink>(sorted, LinkComparer.Instance);
    }

    /// <summary>Linked nowhere: every report is out of scope.</summary>
    public static SubscriptionScope Empty { get; } = new([]);

    public int Count => _links.Length;

    public ReadOnlySpan<InboundLink> Links => _links;

    /// <summary>The scope of these links, duplicates dropped.</summary>
    public static SubscriptionScope Of(IEnumerable<InboundLink> links) => From([.. links]);

    /// <summary>True when <paramref name="inbound"/> is linked and belongs to <paramref name="node"/>. Allocates nothing.</summary>
    public bool Allows(Guid inbound, Guid node) => _set.Contains(new InboundLink(inbound, node));

    /// <summary>The content address of <see cref="Format"/>'s text (lowercase hex); empty for <see cref="Empty"/>, which has no key.</summary>
    public string Id => _id ??= _links.Length == 0 ? "" : IdOf(Format());

    /// <summary>The id of a scope's published text.</summary>
    public static string IdOf(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..(IdChars / 2)]);
    }

    /// <summary>The text as published: the links' hex ids back to back, in sorted order; empty when none.</summary>
    public string Format()
    {
        if (_links.Length == 0) return "";
        return string.Create(_links.Length * LinkChars, _links, static (chars, links) =>
        {
            for (int i = 0; i < links.Length; i++)
            {
                Span<char> slot = chars.Slice(i * LinkChars, LinkChars);
                links[i].Inbound.TryFormat(slot, out _, "N");
                links[i].Node.TryFormat(slot[RedisKeys.IdChars..], out _, "N");
            }
        });
    }

    /// <summary>Parses a published field; false (and <see cref="Empty"/>) for a malformed one.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SubscriptionScope scope)
    {
        scope = Empty;
        if (text.Length % LinkChars != 0) return false;
        var links = new InboundLink[text.Length / LinkChars];
        for (int i = 0; i < links.Length; i++)
        {
            ReadOnlySpan<char> slot = text.Slice(i * LinkChars, LinkChars);
            if (!Guid.TryParseExact(slot[..RedisKeys.IdChars], "N", out Guid inbound)
                || !Guid.TryParseExact(slot[RedisKeys.IdChars..], "N", out Guid node))
            {
                return false;
            }
            links[i] = new InboundLink(inbound, node);
        }
        // Sorted by the publisher; From sorts again, which costs little once per distinct scope and keeps the text
        // canonical for a hand-written key.
        scope = From(links);
        return true;
    }

    /// <summary>Sorts and deduplicates <paramref name="links"/> in place.</summary>
    private static SubscriptionScope From(InboundLink[] links)
    {
        if (links.Length == 0) return Empty;
        Array.Sort(links, Compare);
        int n = 1;
        for (int i = 1; i < links.Length; i++)
        {
            if (links[i] != links[n - 1]) links[n++] = links[i];
        }
        return new SubscriptionScope(links.AsSpan(0, n).ToArray());
    }

    public bool Equals(SubscriptionScope? other) => other is not null && _links.AsSpan().SequenceEqual(other._links);

    public override bool Equals(object? obj) => obj is SubscriptionScope s && Equals(s);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (InboundLink link in _links) hash.Add(link);
        return hash.ToHashCode();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_links.Length} link(s)");

    /// <summary>Guid's own hash and equality on both ids (the record struct's generated ones go through EqualityComparer per field).</summary>
    private sealed class LinkComparer : IEqualityComparer<InboundLink>
    {
        public static readonly LinkComparer Instance = new();

        public bool Equals(InboundLink x, InboundLink y) => x.Inbound == y.Inbound && x.Node == y.Node;

        public int GetHashCode(InboundLink link) => link.Inbound.GetHashCode() ^ (link.Node.GetHashCode() * 31);
    }

    private static int Compare(InboundLink a, InboundLink b)
    {
        int c = a.Inbound.CompareTo(b.Inbound);
        return c != 0 ? c : a.Node.CompareTo(b.Node);
    }
}
