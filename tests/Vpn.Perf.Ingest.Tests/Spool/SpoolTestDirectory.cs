using System.Runtime.CompilerServices;

namespace Vpn.Perf.Ingest.Tests.Spool;

/// <summary>A fresh directory per test under the temp root, named after the test, removed on dispose.</summary>
internal sealed class SpoolTestDirectory : IDisposable
{
    public SpoolTestDirectory([CallerMemberName] string name = "")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vpn-perf-spool-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)), overwrite: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp directory is not a test failure
        }
    }
}
