using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>
/// The real Api host over a Postgres database of the test's own (migrated) and the shared test Redis.
/// Extra settings override configuration (e.g. <c>Auth:AccessTokenLifetime</c>).
/// </summary>
internal sealed class ApiFactory(string postgres, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>The test signing key (48 bytes); tests mint tokens with it through <see cref="Tokens"/>.</summary>
    public const string SigningKey = "vpn-perf-tests-signing-key-0123456789abcdefghijk";

    public string Postgres => postgres;

    /// <summary>Creates a database named after the test, applies every migration and starts the Api on it.</summary>
    public static async Task<ApiFactory> StartAsync(string testName, IReadOnlyDictionary<string, string?>? settings = null)
    {
        string cs = await TestServers.CreateDatabaseAsync(testName);
        await using (var db = NpgsqlDataSource.Create(cs))
        {
            await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).MigrateAsync(TestServers.SchemaDirectory, CancellationToken.None);
        }
        return new ApiFactory(cs, settings);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", postgres);
        builder.UseSetting("ConnectionStrings:Redis", TestServers.Redis);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        // The state-sync loops derive is_over_limit from Redis usage and bump versions in the background; tests of
        // other features set rows directly, so the loops run only where a test asks (StateSync tests do).
        builder.UseSetting("StateSync:Enabled", "false");
        // Warnings and errors only: the suite's output stays readable, and a test can still see what went wrong.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        if (settings is not null)
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }

    /// <summary>Signs access tokens exactly as the Api does (same options, same key).</summary>
    public AccessTokenIssuer Tokens => Services.GetRequiredService<AccessTokenIssuer>();

    /// <summary>A client whose requests carry an access token for the given user and role.</summary>
    public HttpClient ClientAs(Guid userId, string role)
    {
        HttpClient client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Tokens.Issue(userId, role, Guid.NewGuid()));
        return client;
    }

    public NpgsqlDataSource OpenDataSource() => NpgsqlDataSource.Create(postgres);

    /// <summary>This host with its warnings and errors also in <paramref name="log"/>; its Services start it.</summary>
    public WebApplicationFactory<Program> WithLog(LogCapture log)
        => WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(log)));
}
