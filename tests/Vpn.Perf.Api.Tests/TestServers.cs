using Npgsql;

namespace Vpn.Perf.Api.Tests;

/// <summary>Connection settings of the real servers the README's test command starts (localhost defaults).</summary>
internal static class TestServers
{
    public const string StartCommand = "bash tests/infra/test.sh";

    public static string Postgres =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=vpnperf";

    public static string Redis => Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";

    /// <summary>The ClickHouse HTTP interface; tests create a database of their own on it (see Features/Usage).</summary>
    public static string ClickHouse =>
        Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") is { Length: > 0 } cs ? cs : "http://default@127.0.0.1:58123/vpnperf";

    /// <summary>Creates a database of its own for one test (name derived from it) and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string testName)
    {
        string name = "t_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(testName)))[..16];
        try
        {
            // CREATE DATABASE copies a template and waits for a checkpoint: on a loaded machine with fsync on it once took
            // longer than Npgsql's default 30 s command timeout, failing a test that had not started yet.
            await using var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Postgres) { CommandTimeout = 300 }.ConnectionString);
            await using (var drop = admin.CreateCommand($"drop database if exists {name} with (force)"))
            {
                await drop.ExecuteNonQueryAsync();
            }
            await using (var create = admin.CreateCommand($"create database {name}"))
            {
                await create.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException ex) when (ex.InnerException is System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Postgres is not reachable ({Postgres}); start the test servers with `{StartCommand}`.", ex);
        }
        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    public static string SchemaDirectory
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Vpn.Perf.sln"))) dir = Path.GetDirectoryName(dir);
            return Path.Combine(dir ?? throw new InvalidOperationException("Repository root not found above the test binaries."), "schema", "postgres");
        }
    }
}
