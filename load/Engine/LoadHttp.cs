using System.Net;

namespace Vpn.Perf.Load.Engine;

/// <summary>The generator's HTTP client: HTTP/1.1 keep-alive, one pooled connection per concurrent sender.</summary>
internal static class LoadHttp
{
    public static HttpClient Create(int connections, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            // One batch in flight per node: a connection each, plus slack for a retry racing a closing socket.
            MaxConnectionsPerServer = connections + 4,
            // Connections live for the whole run: reconnects would be measured as server latency.
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
        client.DefaultRequestHeaders.ExpectContinue = false; // 100-continue would add a round trip per batch
        client.DefaultRequestVersion = HttpVersion.Version11;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return client;
    }
}
