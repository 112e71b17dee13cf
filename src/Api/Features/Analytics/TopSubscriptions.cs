namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>The subscriptions with the most traffic over whole days [From, To), most first (ties by id), at most Limit.</summary>
internal sealed record TopSubscriptions(DateTimeOffset From, DateTimeOffset To, int Limit, IReadOnlyList<TopSubscription> Subscriptions);
