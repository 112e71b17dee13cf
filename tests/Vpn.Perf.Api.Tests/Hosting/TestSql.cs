using System.Net;
using System.Text.Json;
using Npgsql;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>Arrange/assert plumbing every feature's tests share: positional-parameter SQL and a JSON answer of an expected status.</summary>
internal static class TestSql
{
    public static async Task ExecAsync(NpgsqlDataSource db, string sql, params object?[] args)
    {
        await using NpgsqlCommand cmd = Command(db, sql, args);
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object?[] args)
    {
        await using NpgsqlCommand cmd = Command(db, sql, args);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The body as JSON, after asserting the status (the body is in the failure message).</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static NpgsqlCommand Command(NpgsqlDataSource db, string sql, object?[] args)
    {
        NpgsqlCommand cmd = db.CreateCommand(sql);
        // Arrange steps such as 100 000 inserted rows (with their triggers) outlast Npgsql's 30 s default on a loaded
        // machine; a test must not fail on the clock. Still bounded, so a stuck server fails the test, not the suite.
        cmd.CommandTimeout = 600;
        foreach (object? a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a ?? DBNull.Value });
        return cmd;
    }
}
