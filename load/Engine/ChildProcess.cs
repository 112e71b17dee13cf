using System.Diagnostics;
using System.Globalization;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// A server this tool starts and must stop: output goes to a log file, readiness is a bounded poll of a health
/// URL, and stopping is SIGTERM (a graceful ASP.NET Core shutdown), then SIGKILL if it has not exited in time.
/// Only the process started here is ever signalled, by its pid.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workingDirectory, string logPath)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach ((string k, string v) in environment) info.Environment[k] = v;
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        // Lines are written under the writer's lock: stdout and stderr arrive on different threads.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"Could not start {fileName}.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, log);
    }

    /// <summary>Polls <paramref name="healthUrl"/> until it answers 2xx; throws after <paramref name="timeout"/> or if the process exits.</summary>
    public async Task WaitReadyAsync(Uri healthUrl, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        long deadline = Stopwatch.GetTimestamp() + RunWindow.Ticks(timeout);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before it was ready; see its log.");
            }
            try
            {
                using HttpResponseMessage r = await http.GetAsync(healthUrl, ct);
                if (r.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"{healthUrl} did not answer within {timeout.TotalSeconds:0} s.");
    }

    /// <summary>For a command that ends by itself (e.g. the Api's <c>migrate</c>): its exit code, or a kill after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
            throw new TimeoutException($"{_process.StartInfo.FileName} did not finish within {timeout.TotalSeconds:0} s.");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash or the kernel's OOM killer would end it: no shutdown code runs. Returns once it has exited.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        // SIGTERM through kill(1): Process.Kill sends SIGKILL, which would skip the server's graceful shutdown.
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null) await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15));
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
