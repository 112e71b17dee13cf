using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Demo;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

var builder = WebApplication.CreateSlimBuilder(args);
string postgres = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (env ConnectionStrings__Postgres).");
string? redis = builder.Configuration.GetConnectionString("Redis");
// Ingest and Api must agree on the key buckets; both read Ingest:BucketCount.
int bucketCount = builder.Configuration.GetValue("Ingest:BucketCount", Buckets.DefaultCount);
bool isCommand = args is ["migrate", ..] or ["seed-demo", ..];

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
builder.Services.AddSingleton<SchemaMigrator>();
builder.Services.AddSingleton(sp => new RedisClient(
    RedisOptions.Parse(redis ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set (env ConnectionStrings__Redis).")),
    sp.GetRequiredService<ILogger<RedisClient>>()));
builder.Services.AddSingleton(sp => new StatePublisher(sp.GetRequiredService<RedisClient>(), bucketCount));
builder.Services.AddSingleton<DemoSeeder>();

if (!isCommand)
{
    builder.Services.AddApiProblems();
    builder.Services.AddApiAuth(builder.Configuration);
    builder.Services.AddValidation();
    builder.Services.AddOpenApi();
    builder.Services.AddConfigs(builder.Configuration);
}

var app = builder.Build();

// Administrative commands of the Api binary run instead of the web host and exit.
switch (args)
{
    case ["migrate", var schemaDirectory, ..]:
        int applied = await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(schemaDirectory, CancellationToken.None);
        Console.WriteLine($"postgres schema: {applied} migration(s) applied");
        return;
    case ["seed-demo", var ingestUrl, var apiUrl, var envFile, ..]:
        await app.Services.GetRequiredService<DemoSeeder>().RunAsync(ingestUrl, apiUrl, envFile, CancellationToken.None);
        return;
}

app.UseExceptionHandler();
app.UseStatusCodePages();
// The browsable API reference is static and public; it sits before authorization so the fallback policy does not close it.
app.UseSwaggerUI(o =>
{
    o.RoutePrefix = "api/docs";
    o.SwaggerEndpoint("/api/openapi/v1.json", "Vpn.Perf API v1");
});
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();
app.MapConfigs();
app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();

await app.RunAsync();

/// <summary>Entry point, public so integration tests can host the Api with WebApplicationFactory.</summary>
public partial class Program;
