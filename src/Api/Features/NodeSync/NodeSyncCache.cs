using System.Collections.Concurrent;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// Per node: the ETag last computed, the sync version it was computed at, and when it stops being valid (the next
/// expiry of a subscription it contains, since expiry changes the answer without any write). A hit lets an
/// unchanged node get its 304 without building the document. Each Api instance has its own; the ETag is a hash of
/// the content, so instances agree.
/// </summary>
internal sealed class NodeSyncCache
{
    // Bounds memory should node ids churn; clearing only costs one rebuild per node.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    public bool TryGet(Guid nodeId, long version, DateTimeOffset now, out string etag)
    {
        if (_entries.TryGetValue(nodeId, out Entry e) && e.Version == version && now < e.ValidUntil)
        {
            etag = e.ETag;
            return true;
        }
        etag = "";
        return false;
    }

    public void Set(Guid nodeId, long version, string etag, DateTimeOffset validUntil)
    {
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[nodeId] = new Entry(version, etag, validUntil);
    }

    private readonly record struct Entry(long Version, string ETag, DateTimeOffset ValidUntil);
}
