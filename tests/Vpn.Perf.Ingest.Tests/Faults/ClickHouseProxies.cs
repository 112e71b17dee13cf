using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// A <see cref="TcpFaultProxy"/> in front of each ClickHouse server the Ingest writes to (one, or every shard). A fault
/// set here applies to all of them, so a test written for one server means the same on shards ("ClickHouse is down",
/// "the flush is held at its insert"); <see cref="this[int]"/> reaches one shard's proxy alone.
/// </summary>
internal sealed class ClickHouseProxies : IAsyncDisposable
{
    private readonly TcpFaultProxy[] _proxies;

    public ClickHouseProxies(IReadOnlyList<ClickHouseOptions> servers)
    {
        _proxies = new TcpFaultProxy[servers.Count];
        for (int i = 0; i < _proxies.Length; i++) _proxies[i] = new TcpFaultProxy(servers[i].Endpoint.Host, servers[i].Endpoint.Port);
    }

    /// <summary>The proxy in front of shard <paramref name="shard"/> (0-based, in shard order).</summary>
    public TcpFaultProxy this[int shard] => _proxies[shard];

    /// <summary>The proxies' ports, in shard order.</summary>
    public IReadOnlyList<int> Ports => [.. _proxies.Select(p => p.Port)];

    public void Block()
    {
        foreach (TcpFaultProxy p in _proxies) p.Block();
    }

    public void Unblock()
    {
        foreach (TcpFaultProxy p in _proxies) p.Unblock();
    }

    /// <summary>Lets every held request through, and disarms the pauses of <see cref="PauseOnAsync"/> that met nothing.</summary>
    public void Resume()
    {
        foreach (TcpFaultProxy p in _proxies)
        {
            p.Disarm();
            p.Resume();
        }
    }

    /// <summary>
    /// Arms every proxy to hold the first request carrying <paramref name="marker"/>; completes once one of them holds
    /// one. A flush sends its inserts to every shard that gets rows, so then each of those is held (or will be, when it
    /// arrives) until <see cref="Resume"/>.
    /// </summary>
    public Task PauseOnAsync(string marker)
    {
        var paused = new Task[_proxies.Length];
        for (int i = 0; i < paused.Length; i++) paused[i] = _proxies[i].PauseOnAsync(marker);
        return Task.WhenAny(paused);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TcpFaultProxy p in _proxies) await p.DisposeAsync();
    }
}
