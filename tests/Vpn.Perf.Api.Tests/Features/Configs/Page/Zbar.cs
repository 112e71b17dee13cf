using System.Diagnostics;

namespace Vpn.Perf.Api.Tests.Features.Configs.Page;

/// <summary>
/// Reads QR codes with Debian's <c>zbarimg</c> (package zbar-tools, which the test command installs): a decoder nobody
/// here wrote. A missing binary fails the test with the command that fixes it.
/// </summary>
internal static class Zbar
{
    public const string Executable = "/usr/bin/zbarimg";

    /// <summary>The text of every QR code in <paramref name="image"/> (PNG bytes).</summary>
    public static async Task<string[]> DecodeAsync(byte[] image)
    {
        string file = Path.Combine(Path.GetTempPath(), "vpnperf-qr-" + Guid.NewGuid().ToString("N") + ".png");
        await File.WriteAllBytesAsync(file, image);
        try
        {
            return await DecodeFileAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static async Task<string[]> DecodeFileAsync(string file)
    {
        if (!File.Exists(Executable)) Assert.Fail($"{Executable} is missing. Run `apt-get install zbar-tools` (the test command does).");
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        // Exit 4: no code found; the empty answer then fails the caller's assertion with the image named.
        Assert.True(process.ExitCode is 0 or 4, $"{Executable} exited with {process.ExitCode}: {await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
