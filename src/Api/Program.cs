using Npgsql;
using Vpn.Perf.Api.Data;

var builder = WebApplication.CreateSlimBuilder(args);
string postgres = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (env ConnectionStrings__Postgres).");
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
builder.Services.AddSingleton<SchemaMigrator>();

var app = builder.Build();

// Administrative commands of the Api binary run instead of the web host and exit.
if (args is ["migrate", var schemaDirectory, ..])
{
    int applied = await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(schemaDirectory, CancellationToken.None);
    Console.WriteLine($"postgres schema: {applied} migration(s) applied");
    return;
}

app.MapGet("/healthz", () => TypedResults.Text("ok"));

await app.RunAsync();

/// <summary>Entry point, public so integration tests can host the Api with WebApplicationFactory.</summary>
public partial class Program;
