using Vpn.Perf.Load.Reference;
using Vpn.Perf.Load.Scenarios;

// load -- <scenario> [options]: see load/README.md.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage:\n" + IngestSettings.Usage + "\n  load -- reference-server --port P   bare Kestrel endpoint (started by --reference)");
    return 0;
}

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
        return await IngestScenario.RunAsync(settings, "dotnet run -c Release --project load -- " + string.Join(' ', args));
    case "reference-server":
        return await ReferenceServer.RunAsync(args.AsMemory(1));
    default:
        Console.Error.WriteLine($"Unknown scenario '{args[0]}'. Scenarios: ingest, reference-server.");
        return 64;
}
