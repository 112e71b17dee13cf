using Vpn.Perf.Load.Reference;
using Vpn.Perf.Load.Scenarios;
using Vpn.Perf.Load.Scenarios.Api;
using Vpn.Perf.Load.Scenarios.Mixed;
using Vpn.Perf.Load.Scenarios.ScaleOut;
using Vpn.Perf.Load.Suite;

namespace Vpn.Perf.Load;

/// <summary><c>load -- &lt;scenario&gt; [options]</c>: one scenario per verb (see load/README.md); the suite runs several through here.</summary>
internal static class Cli
{
    public const string CommandPrefix = "dotnet run -c Release --project load -- ";

    public static string Usage => "usage:\n" + IngestSettings.Usage + "\n" + ApiLoadSettings.Usage + "\n" + MixedSettings.Usage + "\n" + ScaleOutSettings.Usage + "\n" + SuiteSettings.Usage +
        "\n  load -- reference-server --port P [--config-body-bytes N]   bare Kestrel endpoint (started by --reference)";

    /// <summary>Runs one verb: 0 when done and checked, 2 when a check failed, 64 for a bad command line.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return 0;
        }
        string commandLine = CommandPrefix + string.Join(' ', args);
        Func<Task<int>> run;
        try
        {
            run = Parse(args, commandLine);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            Console.Error.WriteLine(ex.Message);
            return 64;
        }
        return await run();
    }

    /// <summary>Parses the verb's options (throwing on a bad command line) into the run to start.</summary>
    private static Func<Task<int>> Parse(string[] args, string commandLine)
    {
        switch (args[0])
        {
            case "ingest":
                IngestSettings ingest = IngestSettings.Parse(args[1..]);
                return () => IngestScenario.RunAsync(ingest, commandLine);
            case "config" or "login":
                ApiLoadSettings api = ApiLoadSettings.Parse(args[0] == "config" ? ApiScenarioKind.Config : ApiScenarioKind.Login, args[1..]);
                return () => ApiScenario.RunAsync(api, commandLine);
            case "mixed":
                MixedSettings mixed = MixedSettings.Parse(args[1..]);
                return () => MixedScenario.RunAsync(mixed, commandLine);
            case "scale-out":
                ScaleOutSettings scaleOut = ScaleOutSettings.Parse(args[1..]);
                return () => ScaleOutScenario.RunAsync(scaleOut, commandLine);
            case "suite":
                SuiteSettings suite = SuiteSettings.Parse(args[1..]);
                return () => SuiteRunner.RunAsync(suite, commandLine);
            case "reference-server":
                return () => ReferenceServer.RunAsync(args.AsMemory(1));
            default:
                throw new ArgumentException($"Unknown scenario '{args[0]}'. Scenarios: ingest, config, login, mixed, scale-out, suite, reference-server.");
        }
    }
}
