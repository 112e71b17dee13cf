using Microsoft.Extensions.Options;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Tests.Features.Configs;

public sealed class ConfigCacheTests
{
    private static readonly CachedConfig Entry = new(true, SubscriptionState.Unrestricted, [1], "\"e\"", "t", "attachment");

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
        cache.Store(Guid.NewGuid(), CachedConfig.NotFound, cache.BeginLoad(id));
        cache.SetListening(false);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Store_BeyondCapacity_StaysBounded()
    {
        var cache = new ConfigCache(Options.Create(new ConfigOptions { CacheCapacity = 100, NotFoundCacheCapacity = 50 }));
        cache.SetListening(true);
        for (int i = 0; i < 1000; i++)
        {
            Guid a = Guid.NewGuid(), b = Guid.NewGuid();
            cache.Store(a, Entry, cache.BeginLoad(a));
            cache.Store(b, CachedConfig.NotFound, cache.BeginLoad(b));
        }
        Assert.True(cache.Count <= 150, $"{cache.Count} entries");
    }

    private static ConfigCache New(bool listening = false)
    {
        var cache = new ConfigCache(Options.Create(new ConfigOptions()));
        if (listening) cache.SetListening(true);
        return cache;
    }
}
