using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Tests.Features.Configs.Page;

/// <summary>
/// The subscription page's and the QR code's world: an Api with a configured public base URL and a fixed clock, and a
/// subscription with a limit, usage in Redis, notes, an expiry and registered devices.
/// </summary>
internal static class PageKit
{
    public const string PublicBaseUrl = "https://vpn.example.com/panel";

    /// <summary>The seeded subscriptions reset monthly from 2025-01-31 (ConfigSeed): this period is 2026-02-28 to 2026-03-31.</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);

    public const string NextReset = "2026-03-31 00:00 UTC";

    public static readonly DateTimeOffset Expires = new(2026, 6, 1, 9, 30, 0, TimeSpan.Zero);

    public const long Limit = 10L << 30; // 10 GiB

    /// <summary>A browser's navigation, as Chromium sends it.</summary>
    public const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";

    public const string BrowserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    public static async Task<(ApiFactory Api, WebApplicationFactory<Program> App)> StartAsync(string testName, string? publicBaseUrl = PublicBaseUrl)
    {
        ApiFactory api = await ApiFactory.StartAsync(testName, new Dictionary<string, string?> { ["Configs:PublicBaseUrl"] = publicBaseUrl });
        WebApplicationFactory<Program> app = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new MutableTime(Now))));
        return (api, app);
    }

    /// <summary>A subscription of one inbound with the limit, the expiry, a device limit of 3 and two devices; returns its id and token.</summary>
    public static async Task<(Guid Id, string Token)> SubscriptionAsync(IServiceProvider services, ConfigSeed seed, string title, string description)
    {
        Guid sid = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        await seed.ExecAsync("update subscriptions set title = $2, description = $3, max_traffic = $4, expires_at = $5, device_limit = 3 where id = $1",
            sid, title, description, Limit, Expires);
        foreach (string hwid in new[] { "hwid-a", "hwid-b" })
        {
            await seed.ExecAsync("insert into devices (id, subscription_id, hwid, first_seen, last_seen) values ($1, $2, $3, $4, $4)", Ids.NewId(), sid, hwid, Now);
        }
        string path = await ConfigEndpointTests.PathOfAsync(services, seed, sid);
        await ConfigEndpointTests.DrainNotificationsAsync(services, seed);
        return (sid, path[3..]);
    }

    /// <summary>Sets this period's usage as Ingest counts it; dispose the result to delete the key.</summary>
    public static async Task<IAsyncDisposable> UsageAsync(Guid sid, long bytes)
    {
        ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        long anchor = new DateTimeOffset(2025, 1, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        string key = RedisKeys.Usage(sid, ResetPeriod.Parse("P1M").PeriodStart(anchor, Now.ToUnixTimeMilliseconds()), Buckets.DefaultCount);
        await redis.StringSetAsync(key, bytes);
        return new UsageKey(connection, key);
    }

    public static HttpClient Browser(WebApplicationFactory<Program> app, string? acceptLanguage = null)
    {
        HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", BrowserAccept);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", BrowserAgent);
        if (acceptLanguage is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        return client;
    }

    private sealed class UsageKey(ConnectionMultiplexer connection, string key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await connection.GetDatabase().KeyDeleteAsync(key);
            await connection.DisposeAsync();
        }
    }
}
