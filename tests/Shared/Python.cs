using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Vpn.Perf.Testing;

/// <summary>
/// Runs Debian's <c>/usr/bin/python3</c>, for which Debian's <c>python3-*</c> packages (msgpack, yaml, bcrypt, jwt)
/// install; the <c>python3</c> first on PATH may be a separate build without them. A missing interpreter or module
/// fails the test (never skips it) with the command that fixes it. Compiled into each test project that needs it
/// (linked from tests/Shared).
/// </summary>
internal static partial class Python
{
    public const string Executable = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> as <c>sys.argv[1:]</c> and returns its standard output.</summary>
    public static async Task<string> RunAsync(string script, params string[] args)
    {
        if (!File.Exists(Executable))
        {
            Assert.Fail($"{Executable} is missing. Run `apt-get install python3` (the test command does).");
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
        if (MissingModule().Match(error) is { Success: true } missing)
        {
            Assert.Fail($"{Executable} lacks the {missing.Groups[1].Value} module. Run `apt-get install python3-{missing.Groups[1].Value}` "
                + "(the test command does; Debian's package installs for /usr/bin/python3, which may not be the python3 first on PATH).");
        }

        Assert.True(process.ExitCode == 0, $"{Executable} exited with {process.ExitCode}: {error}");
        return await stdout;
    }

    [GeneratedRegex(@"No module named '(\w+)'")]
    private static partial Regex MissingModule();
}
