using Microsoft.AspNetCore.Builder;

namespace Vpn.Perf.Shared.Hosting;

/// <summary>How both services start their host.</summary>
public static class ServiceHostOptions
{
    /// <summary>
    /// The command line, with the content root where the build put the service rather than the working directory: the host
    /// watches its content root, subdirectories included, for appsettings changes, and started from the repository
    /// (tests/infra/run.sh, the load suite) it received an inotify event for every write of Redis's AOF, ClickHouse's
    /// parts and Ingest's own spool under .data/ (1 570 watches), handled on a thread of its own beside the hot path.
    /// </summary>
    public static WebApplicationOptions For(string[] args) => new() { Args = args, ContentRootPath = AppContext.BaseDirectory };
}
