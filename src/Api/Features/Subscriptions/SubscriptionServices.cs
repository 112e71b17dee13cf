using Npgsql;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Redis;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>The services the subscription handlers share, bound as one <c>[AsParameters]</c> argument (the eShop <c>OrderServices</c> idea).</summary>
internal sealed record SubscriptionServices(
    NpgsqlDataSource Db, LiveUsage Usage, LinkIndex Index, ConfigLinks Links, TimeProvider Time, ILogger<SubscriptionServices> Logger);
