using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.Nodes;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class NodeTokensTests
{
    [Fact]
    public async Task CreateToken_Valid_ShowsKeyOnceStoresOnlyItsHashAndPublishesToRedis()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateToken_Valid_ShowsKeyOnceStoresOnlyItsHashAndPublishesToRedis));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Guid node = await NodeAsync(db);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        HttpResponseMessage r = await client.PostAsync($"/api/v1/nodes/{node}/tokens", null);

        JsonElement created = await JsonAsync(r, HttpStatusCode.Created);
        string key = created.GetProperty("key").GetString()!;
        Guid tokenId = created.GetProperty("id").GetGuid();
        Assert.Equal(32, key.Length);
        byte[] stored = await ScalarAsync<byte[]>(db, "select key_hash from node_tokens where id = $1", tokenId);
        Assert.Equal(32, stored.Length);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), stored);
        Assert.DoesNotContain(key, Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.True(await ScalarAsync<bool>(db, "select published from node_tokens where id = $1", tokenId));

        string redisKey = RedisKeys.NodeToken(stored);
        Assert.Equal(node.ToString("N"), (string?)await redis.HashGetAsync(redisKey, "node_id"));
        Assert.Equal(tokenId.ToString("N"), (string?)await redis.HashGetAsync(redisKey, "token_id"));

        // Listed without the key; the audit entry does not hold it either.
        string list = await (await client.GetAsync($"/api/v1/nodes/{node}/tokens")).Content.ReadAsStringAsync();
        Assert.Contains(tokenId.ToString(), list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        Assert.DoesNotContain("\"key\"", list, StringComparison.Ordinal);
        var audit = Assert.Single(await AuditAsync(db));
        Assert.Equal(("node_token.create", "node_token:" + tokenId), (audit.Action, audit.Target));
        Assert.DoesNotContain(key, audit.Meta, StringComparison.Ordinal);
        await redis.KeyDeleteAsync(redisKey);
    }

    [Fact]
    public async Task RevokeToken_Active_RemovesItFromRedisOnceAndIsIdempotent()
    {
        await using var api = await ApiFactory.StartAsync(nameof(RevokeToken_Active_RemovesItFromRedisOnceAndIsIdempotent));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Guid node = await NodeAsync(db);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Superuser);
        JsonElement created = await JsonAsync(await client.PostAsync($"/api/v1/nodes/{node}/tokens", null), HttpStatusCode.Created);
        Guid tokenId = created.GetProperty("id").GetGuid();
        string redisKey = RedisKeys.NodeToken(SHA256.HashData(Encoding.UTF8.GetBytes(created.GetProperty("key").GetString()!)));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/nodes/{node}/tokens/{tokenId}")).StatusCode);
        Assert.Null((string?)await redis.HashGetAsync(redisKey, "node_id"));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/nodes/{node}/tokens/{tokenId}")).StatusCode);

        Assert.True(await ScalarAsync<bool>(db, "select revoked_at is not null and published from node_tokens where id = $1", tokenId));
        JsonElement listed = Assert.Single((await JsonAsync(await client.GetAsync($"/api/v1/nodes/{node}/tokens"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);
        Assert.Equal(new[] { "node_token.create", "node_token.revoke" }, (await AuditAsync(db)).Select(a => a.Action));
        // The token belongs to its node: another node's path does not reach it.
        Guid other = await NodeAsync(db);
        await ProblemAssert.IsAsync(await client.DeleteAsync($"/api/v1/nodes/{other}/tokens/{tokenId}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task CreateToken_RedisDown_Returns503WithdrawsTokenAndRetryConverges()
    {
        await using var down = await ApiFactory.StartAsync(nameof(CreateToken_RedisDown_Returns503WithdrawsTokenAndRetryConverges),
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "redis://127.0.0.1:1" });
        await using NpgsqlDataSource db = down.OpenDataSource();
        Guid node = await NodeAsync(db);

        HttpResponseMessage failed = await down.ClientAs(Guid.NewGuid(), Roles.Operator).PostAsync($"/api/v1/nodes/{node}/tokens", null);

        JsonElement problem = await ProblemAssert.IsAsync(failed, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.False(problem.TryGetProperty("key", out _));
        Assert.Equal(1L, await ScalarAsync<long>(db, "select count(*) from node_tokens where revoked_at is not null"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from node_tokens where revoked_at is null"));

        // Redis back: the same request now succeeds and Ingest sees the new token.
        await using var up = new ApiFactory(down.Postgres);
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        JsonElement created = await JsonAsync(await up.ClientAs(Guid.NewGuid(), Roles.Operator).PostAsync($"/api/v1/nodes/{node}/tokens", null), HttpStatusCode.Created);
        string redisKey = RedisKeys.NodeToken(SHA256.HashData(Encoding.UTF8.GetBytes(created.GetProperty("key").GetString()!)));
        Assert.Equal(node.ToString("N"), (string?)await redis.HashGetAsync(redisKey, "node_id"));
        await redis.KeyDeleteAsync(redisKey);
    }

    [Fact]
    public async Task Reconciler_TokensCommittedButNotInRedis_PublishesActiveAndRemovesRevokedAndDeleted()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Reconciler_TokensCommittedButNotInRedis_PublishesActiveAndRemovesRevokedAndDeleted));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Guid node = await NodeAsync(db);
        // As after a crash between commit and publish: an active token Redis lacks, a revoked one it still has, and a
        // deleted one (cascade) it still has.
        byte[] active = RandomNumberGenerator.GetBytes(32), revoked = RandomNumberGenerator.GetBytes(32), deleted = RandomNumberGenerator.GetBytes(32);
        Guid activeId = Ids.NewId(), revokedId = Ids.NewId(), deletedId = Ids.NewId();
        await ExecAsync(db, "insert into node_tokens (id, node_id, key_hash) values ($1, $2, $3)", activeId, node, active);
        await ExecAsync(db, "insert into node_tokens (id, node_id, key_hash, revoked_at) values ($1, $2, $3, now())", revokedId, node, revoked);
        await ExecAsync(db, "insert into node_tokens (id, node_id, key_hash) values ($1, $2, $3)", deletedId, node, deleted);
        await ExecAsync(db, "delete from node_tokens where id = $1", deletedId);
        await redis.HashSetAsync(RedisKeys.NodeToken(revoked), "node_id", node.ToString("N"));
        await redis.HashSetAsync(RedisKeys.NodeToken(deleted), "node_id", node.ToString("N"));

        _ = api.Services; // starting the host runs the reconciler's first pass

        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline
               && ((await redis.HashGetAsync(RedisKeys.NodeToken(active), "node_id")).IsNull
                   || await ScalarAsync<long>(db, "select count(*) from node_tokens where not published") > 0
                   || await ScalarAsync<long>(db, "select count(*) from node_token_removals") > 0))
        {
            await Task.Delay(50);
        }
        Assert.Equal(node.ToString("N"), (string?)await redis.HashGetAsync(RedisKeys.NodeToken(active), "node_id"));
        Assert.Equal(activeId.ToString("N"), (string?)await redis.HashGetAsync(RedisKeys.NodeToken(active), "token_id"));
        Assert.Null((string?)await redis.HashGetAsync(RedisKeys.NodeToken(revoked), "node_id"));
        Assert.Null((string?)await redis.HashGetAsync(RedisKeys.NodeToken(deleted), "node_id"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from node_tokens where not published"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from node_token_removals"));
        await redis.KeyDeleteAsync(RedisKeys.NodeToken(active));
    }
}
