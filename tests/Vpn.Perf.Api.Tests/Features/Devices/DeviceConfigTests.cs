using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.Configs.ConfigEndpointTests;

namespace Vpn.Perf.Api.Tests.Features.Devices;

/// <summary>The device limit on <c>GET /s/{token}</c>: registration, the stub, the race, the ETag, the cache and last-seen.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class DeviceConfigTests
{
    [Fact]
    public async Task GetConfig_NewHwidsBeyondTheLimit_GetTheStubWhileKnownOnesKeepTheConfig()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_NewHwidsBeyondTheLimit_GetTheStubWhileKnownOnesKeepTheConfig));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 2);
        HttpClient client = SingBoxClient(api);

        HttpResponseMessage a = await DeviceClient.GetAsync(client, path, "hwid-a");
        HttpResponseMessage b = await DeviceClient.GetAsync(client, path, "hwid-b");
        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.False(await DeviceClient.IsStubAsync(a));
        Assert.False(await DeviceClient.IsStubAsync(b));
        Assert.Equal("My VPN", DeviceClient.Title(a));

        HttpResponseMessage c = await DeviceClient.GetAsync(client, path, "hwid-c");
        Assert.Equal(HttpStatusCode.OK, c.StatusCode);
        Assert.True(await DeviceClient.IsStubAsync(c));
        Assert.Equal(DeviceClient.LimitTitle, DeviceClient.Title(c));
        Assert.Contains("x-hwid", c.Headers.Vary);
        Assert.Equal(2L, await DeviceClient.CountAsync(seed, sid));

        // Known devices keep working; the one beyond the limit stays out however often it asks.
        Assert.False(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(client, path, "hwid-a")));
        Assert.True(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(client, path, "hwid-c")));
        Assert.Equal(1L, await seed.ScalarAsync<long>("""
            select count(*) from devices
            where subscription_id = $1 and hwid = 'hwid-a' and model = 'Pixel 8' and os = 'Android' and os_version = '14' and user_agent = 'Happ/3.1.0'
            """, sid));
    }

    [Fact]
    public async Task GetConfig_InvalidInformationalHeaders_AreDroppedAndTheDeviceRegistered()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_InvalidInformationalHeaders_AreDroppedAndTheDeviceRegistered));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, null);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("x-hwid", "0123456789abcdef");
        request.Headers.TryAddWithoutValidation("x-device-model", new string('m', DeviceHeaders.MaxModel + 1));
        request.Headers.TryAddWithoutValidation("x-device-os", "iOS\t17");
        request.Headers.TryAddWithoutValidation("x-ver-os", "17.4");
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().SendAsync(request)).StatusCode);
        Assert.Equal(1L, await seed.ScalarAsync<long>(
            "select count(*) from devices where subscription_id = $1 and model is null and os is null and os_version = '17.4' and user_agent is null", sid));
    }

    [Fact]
    public async Task GetConfig_MalformedOrMissingHwid_Is400OrServedUncountedOr403WhenRequired()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_MalformedOrMissingHwid_Is400OrServedUncountedOr403WhenRequired));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 1);
        HttpClient client = SingBoxClient(api);

        foreach (string bad in new[] { new string('a', DeviceHeaders.MaxHwid + 1), "has space", "semi;colon", "quote\"d" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("x-hwid", bad);
            await ProblemAssert.IsAsync(await client.SendAsync(request), HttpStatusCode.BadRequest, "bad-request");
        }
        using (var twice = new HttpRequestMessage(HttpMethod.Get, path))
        {
            twice.Headers.TryAddWithoutValidation("x-hwid", ["one", "two"]);
            await ProblemAssert.IsAsync(await client.SendAsync(twice), HttpStatusCode.BadRequest, "bad-request");
        }

        // Default: served, not counted (the one slot stays free).
        HttpResponseMessage bare = await DeviceClient.GetAsync(client, path, null);
        Assert.Equal(HttpStatusCode.OK, bare.StatusCode);
        Assert.False(await DeviceClient.IsStubAsync(bare));
        Assert.Equal(0L, await DeviceClient.CountAsync(seed, sid));

        await using var strict = new ApiFactory(api.Postgres, new Dictionary<string, string?> { ["Devices:RequireHwid"] = "true" });
        string strictPath = await PathOfAsync(strict.Services, seed, sid);
        await ProblemAssert.IsAsync(await strict.CreateClient().GetAsync(strictPath), HttpStatusCode.Forbidden, "device-id-required");
        Assert.Equal(HttpStatusCode.OK, (await DeviceClient.GetAsync(strict.CreateClient(), strictPath, "hwid-a")).StatusCode);
    }

    [Fact]
    public async Task GetConfig_NewHwidsAtOnceWithOneFreeSlot_RegisterExactlyOne()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_NewHwidsAtOnceWithOneFreeSlot_RegisterExactlyOne));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        for (int round = 0; round < 5; round++)
        {
            // One slot taken, one free: every request is a new HWID that the cached set says may register.
            (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 2);
            Assert.Equal(HttpStatusCode.OK, (await DeviceClient.GetAsync(client, path, "first")).StatusCode);
            await DrainNotificationsAsync(api.Services, seed);
            Assert.False(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(client, path, "first"))); // re-cached with "first"

            using var start = new ManualResetEventSlim();
            Task<HttpResponseMessage>[] racing = [.. Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            {
                start.Wait();
                return DeviceClient.GetAsync(client, path, $"racer-{round}-{i}");
            }))];
            start.Set();
            HttpResponseMessage[] answers = await Task.WhenAll(racing);

            Assert.Equal(2L, await DeviceClient.CountAsync(seed, sid));
            var served = new List<bool>();
            foreach (HttpResponseMessage answer in answers)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                served.Add(!await DeviceClient.IsStubAsync(answer));
            }
            Assert.Single(served, s => s);
        }
    }

    [Fact]
    public async Task GetConfig_DeviceBlockedAfterItsRemoval_GetsTheStubNot304ForTheConfigETag()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_DeviceBlockedAfterItsRemoval_GetsTheStubNot304ForTheConfigETag));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 1);
        HttpClient client = SingBoxClient(api);
        HttpResponseMessage allowed = await DeviceClient.GetAsync(client, path, "phone");
        EntityTagHeaderValue configTag = allowed.Headers.ETag!;
        Assert.Equal(HttpStatusCode.NotModified, (await DeviceClient.GetAsync(client, path, "phone", configTag)).StatusCode);

        // The phone is removed and the tablet takes the slot: the phone's cached 200 must not be confirmed.
        Guid phone = await seed.ScalarAsync<Guid>("select id from devices where subscription_id = $1 and hwid = 'phone'", sid);
        HttpClient staff = AdminTestKit.Superuser(api);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/subscriptions/{sid}/devices/{phone}")).StatusCode);
        Assert.False(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(client, path, "tablet")));

        HttpResponseMessage blocked = await DeviceClient.GetAsync(client, path, "phone", configTag);
        Assert.Equal(HttpStatusCode.OK, blocked.StatusCode);
        Assert.True(await DeviceClient.IsStubAsync(blocked));
        Assert.NotEqual(configTag, blocked.Headers.ETag);
        Assert.Equal(DeviceClient.LimitTitle, DeviceClient.Title(blocked));
        Assert.Equal(HttpStatusCode.NotModified, (await DeviceClient.GetAsync(client, path, "phone", blocked.Headers.ETag)).StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, (await DeviceClient.GetAsync(client, path, "tablet", configTag)).StatusCode);

        // The device stub is not the over-limit stub either: its tag differs even though the body is the same.
        await seed.ExecAsync("update subscriptions set is_over_limit = true where id = $1", sid);
        await EventuallyAsync(async () => await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(client, path, "tablet")), "over limit");
        HttpResponseMessage overLimit = await DeviceClient.GetAsync(client, path, "tablet");
        Assert.NotEqual(blocked.Headers.ETag, overLimit.Headers.ETag);
    }

    [Fact]
    public async Task GetConfig_KnownAndBlockedDevices_AreAnsweredWithPostgresUnreachable()
    {
        (ApiFactory api, string role) = await StartAsOwnRoleAsync(nameof(GetConfig_KnownAndBlockedDevices_AreAnsweredWithPostgresUnreachable));
        await using ApiFactory owned = api;
        await using NpgsqlDataSource admin = api.OpenDataSource();
        var seed = new ConfigSeed(admin);
        try
        {
            (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 1);
            HttpClient client = SingBoxClient(api);
            Assert.Equal(HttpStatusCode.OK, (await DeviceClient.GetAsync(client, path, "known")).StatusCode);
            await DrainNotificationsAsync(api.Services, seed);
            byte[] config = await (await DeviceClient.GetAsync(client, path, "known")).Content.ReadAsByteArrayAsync();
            Assert.True(api.Services.GetRequiredService<ConfigCache>().TryGet(sid, out CachedConfig? cached) && cached.Devices.Count == 1, "cached with its device");

            await CutOffAsync(seed, role);

            HttpResponseMessage known = await DeviceClient.GetAsync(client, path, "known");
            Assert.Equal(HttpStatusCode.OK, known.StatusCode);
            Assert.Equal(config, await known.Content.ReadAsByteArrayAsync());
            Assert.True(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(client, path, "new")));
            Assert.True(api.Services.GetRequiredService<ConfigCache>().IsListening);
        }
        finally
        {
            await seed.ExecAsync($"alter role {role} login");
        }
    }

    [Fact]
    public async Task GetConfig_DeviceRemovedOnAnotherInstance_FreesTheSlotHereThroughConfigChanged()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_DeviceRemovedOnAnotherInstance_FreesTheSlotHereThroughConfigChanged));
        await using var other = new ApiFactory(api.Postgres);
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 1);
        await WaitListeningAsync(other.Services);
        await PathOfAsync(other.Services, seed, sid);
        HttpClient here = SingBoxClient(api);
        Assert.False(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(here, path, "old")));
        await EventuallyAsync(async () => await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(here, path, "new")), "the set is full here");

        Guid old = await seed.ScalarAsync<Guid>("select id from devices where subscription_id = $1", sid);
        HttpResponseMessage removed = await AdminTestKit.Superuser(other).DeleteAsync($"/api/v1/subscriptions/{sid}/devices/{old}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await EventuallyAsync(async () => !await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(here, path, "new")), "the freed slot");
        Assert.Equal(["new"], await HwidsAsync(seed, sid));
    }

    [Fact]
    public async Task Seen_ManyFetchesOfAKnownDevice_AreOneLastSeenWritePerInterval()
    {
        var time = new MutableTime(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var started = await ApiFactory.StartAsync(nameof(Seen_ManyFetchesOfAKnownDevice_AreOneLastSeenWritePerInterval),
            new Dictionary<string, string?> { ["Devices:LastSeenInterval"] = "00:05:00" });
        var api = started.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time)));
        await using NpgsqlDataSource db = started.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        await WaitListeningAsync(api.Services);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        string path = await PathOfAsync(api.Services, seed, sid);
        DeviceSeenRecorder recorder = api.Services.GetRequiredService<DeviceSeenRecorder>();
        DateTimeOffset registered = time.GetUtcNow();
        Assert.Equal(HttpStatusCode.OK, (await DeviceClient.GetAsync(client, path, "tv")).StatusCode);
        await DrainNotificationsAsync(api.Services, seed);

        time.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await DeviceClient.GetAsync(client, path, "tv")).StatusCode);
        Assert.Equal(registered, await LastSeenAsync(seed, sid)); // fetches write nothing
        Assert.Equal(1, recorder.Pending);
        Assert.Equal(1, await recorder.FlushAsync(CancellationToken.None));
        Assert.Equal(registered.AddMinutes(1), await LastSeenAsync(seed, sid));

        time.Advance(TimeSpan.FromMinutes(2));
        await DeviceClient.GetAsync(client, path, "tv");
        Assert.Equal(0, recorder.Pending); // within the interval of the last queueing
        time.Advance(TimeSpan.FromMinutes(3));
        await DeviceClient.GetAsync(client, path, "tv");
        Assert.Equal(1, await recorder.FlushAsync(CancellationToken.None));
        Assert.Equal(registered.AddMinutes(6), await LastSeenAsync(seed, sid));
        Assert.Equal(registered.UtcDateTime, await seed.ScalarAsync<DateTime>("select first_seen from devices where subscription_id = $1", sid));
    }

    private static async Task<DateTimeOffset> LastSeenAsync(ConfigSeed seed, Guid sid)
        => new(await seed.ScalarAsync<DateTime>("select last_seen from devices where subscription_id = $1", sid), TimeSpan.Zero);

    private static Task<string[]> HwidsAsync(ConfigSeed seed, Guid sid)
        => seed.ScalarAsync<string[]>("select array(select hwid from devices where subscription_id = $1 order by hwid)", sid);
}
