using Vpn.Perf.Ingest.Tests.Spool;

namespace Vpn.Perf.Ingest.Tests;

/// <summary>
/// Entry point of the test assembly. Test runs never call it (the test host loads the assembly as a library); the kill -9
/// test starts this assembly as a child process (<c>dotnet Vpn.Perf.Ingest.Tests.dll spool-crash-child DIR</c>), which
/// keeps crash-probe code out of production and needs no extra project in the solution.
/// </summary>
internal static class TestProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [SpoolCrashChild.Command, string directory])
        {
            return await SpoolCrashChild.RunAsync(directory);
        }

        await Console.Error.WriteLineAsync($"usage: {SpoolCrashChild.Command} <spool directory>");
        return 2;
    }
}
