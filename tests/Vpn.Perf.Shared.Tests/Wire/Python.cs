using System.Diagnostics;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>
/// Runs Debian's <c>/usr/bin/python3</c>, which has <c>python3-msgpack</c>; the <c>python3</c> first on PATH may be
/// a separate build without it. Missing pieces fail the test (never skip) with the command that fixes them.
/// </summary>
internal static class Python
{
    public const string Executable = "/usr/bin/python3";

    private const string InstallHint =
        "Install it with `apt-get install python3-msgpack` (Debian's package installs for /usr/bin/python3; the python3 first on PATH may be a different build).";

    public static async Task<string> RunAsync(string script, params string[] args)
    {
        if (!File.Exists(Executable))
        {
            Assert.Fail($"{Executable} is missing, so the MessagePack interop tests cannot run. Run `apt-get install python3 python3-msgpack`.");
        }

        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        string error = await stderr;
        if (error.Contains("No module named 'msgpack'", StringComparison.Ordinal))
        {
            Assert.Fail($"{Executable} lacks the msgpack module. {InstallHint}");
        }

        Assert.True(process.ExitCode == 0, $"{Executable} exited with {process.ExitCode}: {error}");
        return await stdout;
    }
}
