using System.Net.Http.Headers;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Devices;

/// <summary>Config fetches as an app sends them (x-hwid and the device headers), and the seed of a subscription with a device limit.</summary>
internal static class DeviceClient
{
    public const string LimitTitle = "Device limit reached";

    /// <summary>As a link-list app fetches (its User-Agent would choose the links format), with the sing-box format named,
    /// which <see cref="IsStubAsync"/> reads.</summary>
    public static HttpRequestMessage Fetch(string path, string? hwid, EntityTagHeaderValue? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path + "/singbox");
        if (hwid is not null)
        {
            request.Headers.TryAddWithoutValidation("x-hwid", hwid);
            request.Headers.TryAddWithoutValidation("x-device-os", "Android");
            request.Headers.TryAddWithoutValidation("x-ver-os", "14");
            request.Headers.TryAddWithoutValidation("x-device-model", "Pixel 8");
            request.Headers.TryAddWithoutValidation("User-Agent", "Happ/3.1.0");
        }
        if (ifNoneMatch is not null) request.Headers.IfNoneMatch.Add(ifNoneMatch);
        return request;
    }

    public static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? hwid, EntityTagHeaderValue? ifNoneMatch = null)
        => client.SendAsync(Fetch(path, hwid, ifNoneMatch));

    public static string Title(HttpResponseMessage response) => response.Headers.TryGetValues("profile-title", out var v) ? string.Join(",", v) : "";

    /// <summary>True when the body is the stub that connects nowhere (a block outbound only).</summary>
    public static async Task<bool> IsStubAsync(HttpResponseMessage response)
        => (await response.Content.ReadAsStringAsync()).Contains("\"outbounds\":[{\"type\":\"block\"", StringComparison.Ordinal);

    /// <summary>A one-inbound subscription with its own device limit, served by this Api (its token indexed, the listener up).</summary>
    public static async Task<(Guid Id, string Path)> SubscriptionAsync(ApiFactory api, ConfigSeed seed, int? deviceLimit)
    {
        Guid sid = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        if (deviceLimit is { } limit) await seed.ExecAsync("update subscriptions set device_limit = $2 where id = $1", sid, limit);
        await ConfigEndpointTests.WaitListeningAsync(api.Services);
        return (sid, await ConfigEndpointTests.PathOfAsync(api.Services, seed, sid));
    }

    public static Task<long> CountAsync(ConfigSeed seed, Guid sid) => seed.ScalarAsync<long>("select count(*) from devices where subscription_id = $1", sid);
}
