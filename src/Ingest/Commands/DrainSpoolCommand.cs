using System.Runtime.InteropServices;
using StackExchange.Redis;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Metrics;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Commands;

/// <summary>
/// <c>dotnet Vpn.Perf.Ingest.dll drain-spool --spool &lt;directory&gt;</c>: stores the spool of an Ingest instance that
/// will not come back, then exits. It reads the spool from its checkpoint, re-applies every batch to Redis (the seq
/// dedup ignores what was counted), inserts into ClickHouse through the same claims and ledgers as a running instance
/// (the spool's id owns the claims the dead instance left, so those go on at once) and commits the checkpoint. Settings
/// as for the service (<c>ConnectionStrings__Redis</c>, <c>ConnectionStrings__ClickHouse</c>, <c>Ingest__BucketCount</c>,
/// <c>Ingest__ClaimLease</c>). The spool's lock refuses a drain of a spool an instance still runs on.
/// </summary>
internal static partial class DrainSpoolCommand
{
    public const string Name = "drain-spool";

    /// <summary>Runs the command on the arguments after its name; returns the exit code (0 drained, 1 interrupted, 2 usage).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["--spool", { Length: > 0 } directory])
        {
            await Console.Error.WriteLineAsync($"usage: dotnet Vpn.Perf.Ingest.dll {Name} --spool <directory>");
            return 2;
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        IngestSettings settings = IngestServices.ReadSettings(builder.Configuration);
        settings.Options.SpoolDirectory = directory;

        await using ConnectionMultiplexer redis = await RedisConnector.ConnectAsync(settings.RedisConnection, clientName: "vpnperf-ingest-drain");
        builder.Services.AddIngestCore(settings, redis);
        await using ServiceProvider services = builder.Services.BuildServiceProvider();
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DrainSpoolCommand));

        // Interrupting is safe: what was stored is behind the checkpoint, the rest stays in the spool for the next run.
        using var stopping = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        DurableSpool spool = services.GetRequiredService<DurableSpool>();
        long backlog = spool.BacklogBytes;
        LogStarting(logger, directory, spool.Id, backlog);
        try
        {
            await services.GetRequiredService<ClickHouseSink>().DrainAsync(stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            LogInterrupted(logger, spool.BacklogBytes);
            return 1;
        }
        long rows = services.GetRequiredService<IngestMetrics>().ClickHouseRows;
        LogDrained(logger, directory, backlog, rows);
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // this command ends itself, after its cancellation
            stopping.Cancel();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining spool {Directory} (id {Id}): {Bytes} bytes after its checkpoint")]
    private static partial void LogStarting(ILogger logger, string directory, Guid id, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained spool {Directory}: {Bytes} bytes read, {Rows} rows inserted (traffic and access_log; the rest were in ClickHouse already)")]
    private static partial void LogDrained(ILogger logger, string directory, long bytes, long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain interrupted; {Bytes} bytes remain after the checkpoint; run it again to finish")]
    private static partial void LogInterrupted(ILogger logger, long bytes);
}
