using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Auth.ApiKeys;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Demo;
using Vpn.Perf.Api.Features.Analytics;
using Vpn.Perf.Api.Features.ApiKeys;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Features.Billing;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.Features.Groups;
using Vpn.Perf.Api.Features.Inbounds;
using Vpn.Perf.Api.Features.Mail;
using Vpn.Perf.Api.Features.NodeSync;
using Vpn.Perf.Api.Features.Nodes;
using Vpn.Perf.Api.Features.Resellers;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Api.Features.Subscriptions;
using Vpn.Perf.Api.Features.Usage;
using Vpn.Perf.Api.Features.Users;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Api.Hosting;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Hosting;

var builder = WebApplication.CreateSlimBuilder(ServiceHostOptions.For(args));
// ASP.NET Core's per-request information lines halve the config endpoint's throughput (docs/perf.md); warnings still show.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
string postgres = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (env ConnectionStrings__Postgres).");
string? clickHouse = builder.Configuration.GetConnectionString("ClickHouse");
bool isCommand = args is ["migrate", ..] or ["seed-demo", ..] or ["create-superuser", ..];
var httpLimits = HttpLimitsOptions.FromConfiguration(builder.Configuration);
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Limits.RequestHeadersTimeout = httpLimits.RequestHeadersTimeout;
    k.Limits.MaxRequestBodySize = httpLimits.MaxRequestBodyBytes;
});

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
builder.Services.AddSingleton<SchemaMigrator>();
builder.Services.AddRedis(builder.Configuration);
builder.Services.AddSingleton<DemoSeeder>();
builder.Services.AddSingleton(_ => new ClickHouseClient(ClickHouseOptions.Parse(
    clickHouse ?? throw new InvalidOperationException("ConnectionStrings:ClickHouse is not set (env ConnectionStrings__ClickHouse)."))));

if (!isCommand)
{
    builder.Services.AddApiProblems();
    builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new NulRejectingStringConverter()));
    builder.Services.AddApiAuth(builder.Configuration);
    builder.Services.AddOpenApi(o => o.AddApiSecurity());
    builder.Services.AddUsers();
    builder.Services.AddResellers();
    builder.Services.AddGroups();
    builder.Services.AddSubscriptions();
    builder.Services.AddNodes(builder.Configuration);
    builder.Services.AddInbounds();
    builder.Services.AddWireGuard(builder.Configuration);
    builder.Services.AddAudit();
    builder.Services.AddNodeSync();
    builder.Services.AddStateSync(builder.Configuration);
    builder.Services.AddUsage();
    builder.Services.AddAnalytics();
    builder.Services.AddAuthFeature(builder.Configuration);
    builder.Services.AddApiKeys();
    builder.Services.AddMail(builder.Configuration);
    builder.Services.AddConfigs(builder.Configuration);
    builder.Services.AddDevices(builder.Configuration);
    builder.Services.AddBilling(builder.Configuration);
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
    case ["create-superuser", ..]:
        Environment.ExitCode = await CreateSuperuserCommand.RunAsync(app.Services, args[1..], CancellationToken.None);
        return;
}

app.Use(SecurityHeaders.InvokeAsync);
app.UseExceptionHandler();
app.Use(TextInputGuard.InvokeAsync);
// Routing comes after what every answer needs and before the rest, so a short-circuited endpoint (the config fetch)
// skips the rest.
app.UseRouting();
app.UseStatusCodePages();
// The browsable API reference is static and public; it sits before authorization so the fallback policy does not close it.
// In a branch, since its middleware matches every request's path against regular expressions.
app.UseWhen(static c => c.Request.Path.StartsWithSegments(SecurityHeaders.DocsPrefix, StringComparison.OrdinalIgnoreCase), docs => docs.UseSwaggerUI(o =>
{
    o.RoutePrefix = SecurityHeaders.DocsPrefix[1..];
    o.SwaggerEndpoint("/api/openapi/v1.json", "Vpn.Perf API v1");
}));
app.UseAuthentication();
// Per-key rate limit and daily quota: every request a key authenticated counts, before authorization decides.
app.Use(ApiKeyLimits.InvokeAsync);
app.UseAuthorization();

app.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();
app.MapUsers();
app.MapResellers();
app.MapGroups();
app.MapSubscriptions();
app.MapNodes();
app.MapInbounds();
app.MapSubscriptionInbounds();
app.MapAudit();
app.MapNodeSync();
app.MapUsage();
app.MapAnalytics();
app.MapAuth();
app.MapApiKeys();
app.MapConfigs();
app.MapDevices();
app.MapBilling();
app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();

await app.RunAsync();

/// <summary>Entry point, public so integration tests can host the Api with WebApplicationFactory.</summary>
public partial class Program;
