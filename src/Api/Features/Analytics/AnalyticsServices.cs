using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Features.Nodes;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>What the analytics handlers need, bound as one <c>[AsParameters]</c> argument.</summary>
internal sealed record AnalyticsServices(NpgsqlDataSource Db, ClickHouseClient ClickHouse, IDatabase Redis, NodesOptions Nodes, TimeProvider Time);
