using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// The real Ingest binary (<c>artifacts/bin/Vpn.Perf.Ingest/&lt;config&gt;/Vpn.Perf.Ingest.dll</c>, built because this
/// project references it) running as a child process on a free loopback port, with its own spool directory and the
/// given environment. <see cref="KillAsync"/> is SIGKILL; <see cref="StopAsync"/> is SIGTERM and a wait; <see cref="RestartAsync"/>
/// starts it again on the same spool. Its stdout and stderr are kept, and written to a test's output by
/// <see cref="WriteLogTo"/> (done by every test's <c>finally</c>, so a failing test shows them).
/// </summary>
internal sealed class IngestProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Dictionary<string, string> _environment;
    private Process? _process;
    private int _generation;
    private int _reported;

    private IngestProcess(string spoolDirectory, Dictionary<string, string> environment)
    {
        SpoolDirectory = spoolDirectory;
        _environment = environment;
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    public string SpoolDirectory { get; }

    /// <summary>A client whose base address follows the current process (the port changes on restart).</summary>
    public HttpClient Http { get; private set; }

    public Uri BaseAddress => Http.BaseAddress!;

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>
    /// Starts Ingest with <c>ConnectionStrings__Redis</c>, <c>ConnectionStrings__ClickHouse</c> and any <c>Ingest__*</c>
    /// settings in <paramref name="environment"/> (a fresh temp spool unless it names one) and waits for <c>/healthz</c>.
    /// </summary>
    public static async Task<IngestProcess> StartAsync(IDictionary<string, string> environment)
    {
        var env = new Dictionary<string, string>(environment, StringComparer.Ordinal);
        if (!env.TryGetValue("Ingest__SpoolDirectory", out string? spool))
        {
            spool = Path.Combine(Path.GetTempPath(), "vpn-perf-ingest-tests", Guid.NewGuid().ToString("N"));
            env["Ingest__SpoolDirectory"] = spool;
        }
        Directory.CreateDirectory(spool);
        var ingest = new IngestProcess(spool, env);
        try
        {
            await ingest.LaunchAsync();
        }
        catch
        {
            await ingest.DisposeAsync();
            throw;
        }
        return ingest;
    }

    public static string BinaryPath
    {
        get
        {
            // This assembly runs from artifacts/bin/Vpn.Perf.Ingest.Tests/<config>/; Ingest builds to the sibling folder.
            string testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            string config = Path.GetFileName(testDir);
            string path = Path.GetFullPath(Path.Combine(testDir, "..", "..", "Vpn.Perf.Ingest", config, "Vpn.Perf.Ingest.dll"));
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"Ingest is not built at {path}; build the solution first (dotnet build Vpn.Perf.sln -c {config}).");
        }
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath
            ? hostPath
            : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    /// <summary>
    /// Runs <c>dotnet Vpn.Perf.Ingest.dll drain-spool --spool <paramref name="spoolDirectory"/></c> with
    /// <paramref name="environment"/> to its end (killed after <paramref name="deadline"/>) and returns its exit code and
    /// everything it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunDrainSpoolAsync(IDictionary<string, string> environment, string spoolDirectory, TimeSpan deadline)
    {
        var start = new ProcessStartInfo(DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(BinaryPath);
        start.ArgumentList.Add("drain-spool");
        start.ArgumentList.Add("--spool");
        start.ArgumentList.Add(spoolDirectory);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach ((string key, string value) in environment) start.Environment[key] = value;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start Ingest drain-spool");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            return (-1, $"drain-spool did not finish within {deadline.TotalSeconds} s and was killed.\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private async Task LaunchAsync()
    {
        int generation = ++_generation;
        int port = FreePort();
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BinaryPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (string inherited in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "HTTP_PORTS", "ASPNETCORE_ENVIRONMENT" })
        {
            start.Environment.Remove(inherited);
        }
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        // Several of these run at once on a small machine: the workstation GC keeps each one lean.
        start.Environment["DOTNET_gcServer"] = "0";
        foreach ((string key, string value) in _environment) start.Environment[key] = value;

        _log.Enqueue($"--- start #{generation}: port {port}, spool {SpoolDirectory}");
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start Ingest");
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue($"[{generation} out] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue($"[{generation} err] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Http.Dispose();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };

        DateTime deadline = DateTime.UtcNow + StartDeadline;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Ingest exited with code {process.ExitCode} before /healthz answered.\n{Log}");
            }
            try
            {
                using HttpResponseMessage health = await Http.GetAsync("healthz");
                if (health.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"Ingest did not answer /healthz within {StartDeadline.TotalSeconds} s.\n{Log}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Everything the process printed so far, all starts included.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Writes the lines printed since the last call (a shared process serves several tests).</summary>
    public void WriteLogTo(ITestOutputHelper output)
    {
        string[] lines = [.. _log];
        int from = Interlocked.Exchange(ref _reported, lines.Length);
        if (from >= lines.Length) return;
        try
        {
            output.WriteLine("Ingest output:\n" + string.Join('\n', lines.AsSpan(from).ToArray()));
        }
        catch (InvalidOperationException)
        {
            // the test already finished
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; then waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false); // SIGKILL on Unix
            await WaitExitAsync(p);
            _log.Enqueue($"--- killed (SIGKILL), exit code {p.ExitCode}");
        }
    }

    /// <summary>SIGTERM and a bounded wait for the host's graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            if (SysKill(p.Id, 15) != 0) p.Kill();
            await WaitExitAsync(p);
            _log.Enqueue($"--- stopped (SIGTERM), exit code {p.ExitCode}");
        }
    }

    /// <summary>Starts the process again on the same spool, optionally with changed settings.</summary>
    public async Task RestartAsync(IDictionary<string, string>? changes = null)
    {
        await StopIfRunningAsync();
        if (changes is not null)
        {
            foreach ((string key, string value) in changes) _environment[key] = value;
        }
        await LaunchAsync();
    }

    private async Task StopIfRunningAsync()
    {
        if (_process is { HasExited: false }) await StopAsync();
        _process?.Dispose();
        _process = null;
    }

    private static async Task WaitExitAsync(Process p)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>GET <c>/metrics</c> and the value of one sample line (<c>name{labels}</c> exactly as printed); null when absent.</summary>
    public async Task<double?> MetricAsync(string sample)
    {
        string text = await Http.GetStringAsync("metrics");
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(sample.Length + 1), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    /// <summary>POSTs a batch body to <c>/v1/reports</c>.</summary>
    public async Task<HttpResponseMessage> PostReportAsync(byte[] body, string? token, string contentType = "application/msgpack", string? contentEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/reports") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (contentEncoding is not null) request.Content.Headers.ContentEncoding.Add(contentEncoding);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response = await Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>POSTs a batch that must be accepted and returns the decoded answer.</summary>
    public async Task<ReportResponse> PostAcceptedAsync(byte[] body, string token)
    {
        using HttpResponseMessage response = await PostReportAsync(body, token);
        string reason = response.Headers.TryGetValues("X-Reject-Reason", out IEnumerable<string>? r) ? string.Join(",", r) : "";
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"expected 200, got {(int)response.StatusCode} {reason}: {await response.Content.ReadAsStringAsync()}");
        return ReportResponse.Parse(await response.Content.ReadAsByteArrayAsync());
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks; one blittable call does not justify it
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
#pragma warning restore SYSLIB1054

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await WaitExitAsync(p);
        }
        _process?.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(SpoolDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp directory is not a test failure
        }
    }
}
