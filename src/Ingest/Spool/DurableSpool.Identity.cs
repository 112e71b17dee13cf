using System.Text;
using Microsoft.Win32.SafeHandles;
using Vpn.Perf.Shared.Storage;

namespace Vpn.Perf.Ingest.Spool;

internal sealed partial class DurableSpool
{
    private const int IdFileBytes = 33; // 32 hex digits and a newline

    /// <summary>
    /// Reads the spool's id, or makes one on the first open (a spool from a release without ids gets one too). Written
    /// like the checkpoint (temp file, fsync, rename, directory fsync), so a crash leaves either no id, and the next open
    /// makes one while nothing can have been claimed under it, or the whole id. Called under the directory lock.
    /// </summary>
    private static Guid ReadOrCreateId(string directory)
    {
        string path = Path.Combine(directory, SpoolFormat.IdFileName);
        if (File.Exists(path))
        {
            string text = File.ReadAllText(path, Encoding.ASCII).TrimEnd('\n');
            if (!Guid.TryParseExact(text, "N", out Guid existing))
            {
                ThrowHelper.ThrowCorrupt(path, 0, "it must hold the spool's id as 32 hex digits; claims made under the id are recognised by it");
            }

            return existing;
        }

        Guid id = Guid.NewGuid();
        string temp = Path.Combine(directory, SpoolFormat.IdTempFileName);
        Span<byte> bytes = stackalloc byte[IdFileBytes];
        id.TryFormat(bytes, out _, "N");
        bytes[^1] = (byte)'\n';
        using (SafeFileHandle handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temp, path, overwrite: false);
        PosixSync.Fsync(directory);
        return id;
    }
}
