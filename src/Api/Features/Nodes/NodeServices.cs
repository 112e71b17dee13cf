using Npgsql;
using StackExchange.Redis;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>What the node handlers that show activity need, bound as one <c>[AsParameters]</c> argument: Postgres, and Redis where Ingest records activity.</summary>
internal sealed record NodeServices(NpgsqlDataSource Db, IDatabase Redis, NodesOptions Options, TimeProvider Time);
