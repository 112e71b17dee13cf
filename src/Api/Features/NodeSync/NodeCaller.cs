namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// The node a request was authenticated as by <see cref="NodeTokenFilter"/>, with the node's sync version read in the
/// same lookup (so the 304 path needs no second query).
/// </summary>
internal sealed record NodeCaller(Guid NodeId, Guid TokenId, long SyncVersion)
{
    private const string ItemKey = "vpn-perf.node-caller";

    public void Attach(HttpContext http) => http.Items[ItemKey] = this;

    /// <summary>The caller of an endpoint behind <see cref="NodeTokenFilter"/>; throws when the filter is missing.</summary>
    public static NodeCaller From(HttpContext http)
        => http.Items.TryGetValue(ItemKey, out object? value) && value is NodeCaller caller
            ? caller
            : throw new InvalidOperationException("The endpoint is not behind NodeTokenFilter, so no node was authenticated.");
}
