using StackExchange.Redis;
using Vpn.Perf.Ingest;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Commands;
using Vpn.Perf.Ingest.Http;
using Vpn.Perf.Ingest.Metrics;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Shared.Hosting;
using Vpn.Perf.Shared.Redis;

if (args is [DrainSpoolCommand.Name, ..])
{
    return await DrainSpoolCommand.RunAsync(args[1..]);
}

var builder = WebApplication.CreateSlimBuilder(ServiceHostOptions.For(args));
IngestSettings settings = IngestServices.ReadSettings(builder.Configuration);
IngestOptions options = settings.Options;

builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
    k.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
});
// The hot path logs nothing per request: console logging per request halves Kestrel's throughput here.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
// Its only logs are per request (Information), and while its category is enabled at any level the host starts an
// Activity and a log scope for every request (a random trace id, two AsyncLocal changes): about 1 % of the HTTP path's
// CPU for nothing logged. An ActivityListener (tracing) still gets its activities. Startup failures surface as exceptions.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

// One multiplexer for the process (it is thread-safe and pipelines every caller's commands), connected before the host
// is built so that nothing waits for it later. While Redis is down this returns after the connect timeout and keeps
// reconnecting in the background; commands fail at once meanwhile, which requests answer with 503 (RedisConnector).
await using ConnectionMultiplexer redis = await RedisConnector.ConnectAsync(settings.RedisConnection, clientName: "vpnperf-ingest");
builder.Services.AddIngestCore(settings, redis);
builder.Services.AddSingleton<NodeTokenCache>();
builder.Services.AddSingleton<NodeActivity>();
builder.Services.AddSingleton<RejectionNotices>();
builder.Services.AddSingleton<ReportEndpoint>();
builder.Services.AddHostedService<CacheMaintenance>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ClickHouseSink>());

var app = builder.Build();

var metrics = app.Services.GetRequiredService<IngestMetrics>();
var spool = app.Services.GetRequiredService<DurableSpool>();
metrics.Spool = spool;

// A known header set in place: Kestrel keeps the header storage per connection, so this allocates nothing per request.
app.Use(static (context, next) =>
{
    context.Response.Headers.XContentTypeOptions = "nosniff";
    return next(context);
});
var endpoint = app.Services.GetRequiredService<ReportEndpoint>();
app.MapPost("/v1/reports", endpoint.HandleAsync);
// A faulted spool refuses every batch until restart: say so, so a load balancer stops sending here.
app.MapGet("/healthz", () => spool.IsFaulted
    ? Results.Text("spool faulted: restart Ingest", statusCode: StatusCodes.Status503ServiceUnavailable)
    : Results.Text("ok"));
var metricsAccess = new MetricsAccess(options.MetricsToken);
app.MapGet("/metrics", (HttpContext context, IngestMetrics m) => metricsAccess.Allows(context.Request)
    ? Results.Text(m.Render(), "text/plain; version=0.0.4")
    : MetricsAccess.Challenge(context));

await app.RunAsync();
return 0;

/// <summary>Entry point, public so tests can host Ingest.</summary>
public partial class Program;
