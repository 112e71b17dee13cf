using Vpn.Perf.Load.Reference;
using Vpn.Perf.Load.Scenarios;
using Vpn.Perf.Load.Scenarios.Api;
using Vpn.Perf.Load.Scenarios.Mixed;

// load -- <scenario> [options]: see load/README.md.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage:\n" + IngestSettings.Usage + "\n" + ApiLoadSettings.Usage + "\n" + MixedSettings.Usage +
        "\n  load -- reference-server --port P [--config-body-bytes N]   bare Kestrel endpoint (started by --reference)");
    return 0;
}

string commandLine = "dotnet run -c Release --project load -- " + string.Join(' ', args);
switch (args[0])
{
    case "ingest":
        IngestSettings settings;
        try
        {
            settings = IngestSettings.Parse(args[1..]);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            Console.Error.WriteLine(ex.Message);
            return 64;
        }
        return await IngestScenario.RunAsync(settings, commandLine);
    case "config" or "login":
        ApiLoadSettings apiSettings;
        try
        {
            apiSettings = ApiLoadSettings.Parse(args[0] == "config" ? ApiScenarioKind.Config : ApiScenarioKind.Login, args[1..]);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            Console.Error.WriteLine(ex.Message);
            return 64;
        }
        return await ApiScenario.RunAsync(apiSettings, commandLine);
    case "mixed":
        MixedSettings mixedSettings;
        try
        {
            mixedSettings = MixedSettings.Parse(args[1..]);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            Console.Error.WriteLine(ex.Message);
            return 64;
        }
        return await MixedScenario.RunAsync(mixedSettings, commandLine);
    case "reference-server":
        return await ReferenceServer.RunAsync(args.AsMemory(1));
    default:
        Console.Error.WriteLine($"Unknown scenario '{args[0]}'. Scenarios: ingest, config, login, mixed, reference-server.");
        return 64;
}
