namespace Vpn.Perf.Api.Demo;

/// <summary>Files that hold a credential (the demo's node token): readable and writable by their owner only.</summary>
internal static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="text"/> to a file of mode 0600, created so or narrowed to it before the secret goes in.</summary>
    public static async Task WriteAllTextAsync(string path, string text, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
            // A file left by an older run keeps its mode on open; narrow it before anything is written.
            if (File.Exists(path)) File.SetUnixFileMode(path, OwnerOnly);
        }
        await using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        await writer.WriteAsync(text.AsMemory(), ct);
    }
}
