using Microsoft.Extensions.Options;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.Configs;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ConfigCacheTests
{
    private static readonly CachedConfig Entry = new(Guid.NewGuid(), true, SubscriptionState.Unrestricted, null, "e", "t", "config", DeviceSet.Empty);

    [Fact]
    public void Store_WhileNotListening_KeepsNothing()
    {
        var cache = New();
        Guid id = Guid.NewGuid();
        cache.Store(id, Entry, cache.BeginLoad(id));
        Assert.False(cache.TryGet(id, out _));
    }

    [Fact]
    public void Store_AfterAnEvictionOfThatIdDuringTheLoad_IsDropped()
    {
        var cache = New(listening: true);
        Guid id = Guid.NewGuid();
        ConfigCache.LoadToken token = cache.BeginLoad(id);
        cache.Evict(id);
        cache.Store(id, Entry, token);
        Assert.False(cache.TryGet(id, out _));

        cache.Store(id, Entry, cache.BeginLoad(id));
        Assert.True(cache.TryGet(id, out _));
    }

    [Fact]
    public void Store_AfterAClearDuringTheLoad_IsDropped()
    {
        var cache = New(listening: true);
        Guid id = Guid.NewGuid();
        ConfigCache.LoadToken token = cache.BeginLoad(id);
        cache.Clear();
        cache.Store(id, Entry, token);
        Assert.False(cache.TryGet(id, out _));
    }

    [Fact]
    public void SetListeningFalse_ClearsEverything()
    {
        var cache = New(listening: true);
        Guid id = Guid.NewGuid();
        cache.Store(id, Entry, cache.BeginLoad(id));
        cache.SetListening(false);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Store_BeyondCapacity_StaysBounded()
    {
        var cache = new ConfigCache(Options.Create(new ConfigOptions { CacheCapacity = 100 }));
        cache.SetListening(true);
        for (int i = 0; i < 1000; i++)
        {
            Guid a = Guid.NewGuid();
            cache.Store(a, Entry, cache.BeginLoad(a));
        }
        Assert.True(cache.Count <= 100, $"{cache.Count} entries");
    }

    [Fact]
    public void Store_NotFound_KeepsNothing()
    {
        var cache = New(listening: true);
        Guid id = Guid.NewGuid();
        cache.Store(id, CachedConfig.NotFound, cache.BeginLoad(id));
        Assert.Equal(0, cache.Count);
    }

    private static ConfigCache New(bool listening = false)
    {
        var cache = new ConfigCache(Options.Create(new ConfigOptions()));
        if (listening) cache.SetListening(true);
        return cache;
    }
}
