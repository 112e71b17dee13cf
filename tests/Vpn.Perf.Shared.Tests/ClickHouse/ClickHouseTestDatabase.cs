using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

/// <summary>
/// A database of its own for one test on the shared ClickHouse server (named t_&lt;hash of the test name&gt;),
/// created fresh (dropped first if a crashed run left it) and dropped on dispose.
/// </summary>
internal sealed class ClickHouseTestDatabase : IAsyncDisposable
{
    public const string StartCommand = "bash tests/infra/test.sh";
    private const string DefaultConnectionString = "http://default@127.0.0.1:58123/vpnperf";

    private readonly ClickHouseClient _admin;

    private ClickHouseTestDatabase(ClickHouseClient admin, ClickHouseClient client, string name)
    {
        _admin = admin;
        Client = client;
        Name = name;
    }

    public ClickHouseClient Client { get; }

    public string Name { get; }

    public static ClickHouseOptions BaseOptions =>
        ClickHouseOptions.Parse(Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") is { Length: > 0 } cs ? cs : DefaultConnectionString);

    public static async Task<ClickHouseTestDatabase> CreateAsync(
        bool applySchema = true, [CallerFilePath] string file = "", [CallerMemberName] string test = "")
    {
        string name = NameFor(Path.GetFileNameWithoutExtension(file) + "." + test);
        ClickHouseOptions options = BaseOptions;
        var admin = new ClickHouseClient(options with { Database = ClickHouseOptions.DefaultDatabase });
        try
        {
            await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + name, null, CancellationToken.None);
            await admin.ExecuteAsync("CREATE DATABASE " + name, null, CancellationToken.None);
        }
        catch (ClickHouseUnavailableException ex)
        {
            admin.Dispose();
            throw new InvalidOperationException(
                $"ClickHouse is unreachable at {options.Endpoint} ({ex.Message}). Start the test servers with `{StartCommand}` " +
                "(see README), or set ConnectionStrings__ClickHouse to a running server.", ex);
        }
        var db = new ClickHouseTestDatabase(admin, new ClickHouseClient(options with { Database = name }), name);
        if (applySchema) await ClickHouseSchema.ApplyAsync(db.Client, SchemaDirectory, CancellationToken.None);
        return db;
    }

    public static string SchemaDirectory => Path.Combine(RepoRoot, "schema", "clickhouse");

    public static string RepoRoot
    {
        get
        {
            for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Vpn.Perf.sln"))) return dir;
            }
            throw new InvalidOperationException("Vpn.Perf.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string NameFor(string testName) =>
        "t_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(testName)).AsSpan(0, 8));

    public async Task<string> ScalarAsync(string sql, ClickHouseParameters? p = null) =>
        (await Client.QueryTextAsync(sql, p, CancellationToken.None)).TrimEnd('\n');

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await _admin.ExecuteAsync("DROP DATABASE IF EXISTS " + Name, null, CancellationToken.None);
        }
        finally
        {
            _admin.Dispose();
        }
    }
}
