using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Vpn.Perf.Load.Scenarios;

namespace Vpn.Perf.Load.Suite;

/// <summary>
/// <c>load -- suite</c>: runs the standard parts one after another in this process (each through the same command line
/// as when run by hand, each starting and stopping its own servers and writing its own report under the suite's
/// folder), then reads each part's <c>results.json</c> back and writes one summary. A part that fails to run is
/// recorded and the suite goes on with the next.
/// </summary>
internal static class SuiteRunner
{
    public static async Task<int> RunAsync(SuiteSettings s, string commandLine)
    {
        string root = IngestScenario.RepoRoot();
        string outDir = Path.GetFullPath(s.OutDirectory, root);
        Directory.CreateDirectory(outDir);
        foreach (int port in new[] { SuiteSettings.IngestPort, SuiteSettings.ApiPort, SuiteSettings.ReferencePort })
        {
            if (await ListensAsync(port))
            {
                Console.Error.WriteLine($"127.0.0.1:{port} is in use (another suite, or a server left running): the suite starts its own servers there.");
                return 1;
            }
        }
        IReadOnlyList<SuitePart> parts = s.Only.Count == 0 ? SuitePart.Standard : [.. SuitePart.Standard.Where(p => s.Only.Contains(p.Name))];
        Console.WriteLine($"suite: {parts.Count} parts ({string.Join(", ", parts.Select(static p => p.Name))}), {s.Duration.TotalSeconds:0} s measured each; out {outDir}");

        DateTime startedUtc = DateTime.UtcNow;
        long started = Stopwatch.GetTimestamp();
        var results = new List<SuitePartResult>();
        foreach (SuitePart part in parts)
        {
            string partOut = Path.Combine(s.OutDirectory, part.Name);
            string[] args = part.CommandArgs(s, partOut);
            string partCommand = Cli.CommandPrefix + string.Join(' ', args);
            Console.WriteLine();
            Console.WriteLine($"=== suite part {results.Count + 1}/{parts.Count}: {part.Name}");
            Console.WriteLine(partCommand);
            long partStarted = Stopwatch.GetTimestamp();
            int exitCode;
            string? error = null;
            try
            {
                exitCode = await Cli.RunAsync(args);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A part that cannot run (a server that does not start, a lost connection) must not stop the others.
                exitCode = 1;
                error = ex.GetType().Name + ": " + ex.Message;
                Console.Error.WriteLine($"suite part {part.Name} failed: {ex}");
            }
            double wall = Stopwatch.GetElapsedTime(partStarted).TotalSeconds;
            string resultsPath = Path.Combine(Path.GetFullPath(partOut, root), "results.json");
            JsonDocument? json = null;
            if (error is null && File.Exists(resultsPath))
            {
                json = JsonDocument.Parse(await File.ReadAllBytesAsync(resultsPath));
            }
            else
            {
                error ??= $"no {resultsPath} (exit code {exitCode})";
            }
            using (json)
            {
                results.Add(SuiteSummary.Read(part, partCommand, Path.GetRelativePath(outDir, Path.GetFullPath(partOut, root)), exitCode, error, wall, json));
            }
        }

        var summary = new SuiteSummary(commandLine, startedUtc, Stopwatch.GetElapsedTime(started).TotalSeconds, s, results, await MachineAsync(root));
        string md = summary.Markdown();
        await File.WriteAllTextAsync(Path.Combine(outDir, "summary.md"), md);
        await File.WriteAllBytesAsync(Path.Combine(outDir, "summary.json"), summary.Json());
        Console.WriteLine();
        Console.WriteLine(md);
        Console.WriteLine($"written: {Path.Combine(outDir, "summary.md")}, summary.json; each part's report in its folder");
        return results.Any(static r => r.Error is not null) ? 1 : results.Any(static r => r.ExitCode != 0) ? 2 : 0;
    }

    private static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>What a figure's reader needs to place it: the commit, the machine, the runtime.</summary>
    private static async Task<SuiteMachine> MachineAsync(string root)
    {
        string commit = await GitAsync(root, "rev-parse", "--short", "HEAD") ?? "unknown";
        string? dirty = await GitAsync(root, "status", "--porcelain", "--untracked-files=no");
        string cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(static l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
            // Not Linux, or no /proc: the model name is only informative.
        }
        return new SuiteMachine(commit + (string.IsNullOrEmpty(dirty) ? "" : " (with uncommitted changes)"), Environment.ProcessorCount, cpu,
            (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)).ToString(CultureInfo.InvariantCulture) + " GiB",
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, System.Runtime.InteropServices.RuntimeInformation.OSDescription);
    }

    private static async Task<string?> GitAsync(string root, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
            foreach (string a in args) info.ArgumentList.Add(a);
            using Process? git = Process.Start(info);
            if (git is null) return null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            string output = await git.StandardOutput.ReadToEndAsync(timeout.Token);
            await git.WaitForExitAsync(timeout.Token);
            return git.ExitCode == 0 ? output.Trim() : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return null;
        }
    }
}
