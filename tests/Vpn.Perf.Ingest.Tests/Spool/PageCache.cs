using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Vpn.Perf.Ingest.Tests.Spool;

/// <summary>How much of a file the kernel holds in its page cache, from <c>mincore</c> over a read-only mapping (Linux).</summary>
internal static class PageCache
{
    public static double ResidentShare(string path)
    {
        long length = new FileInfo(path).Length;
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using MemoryMappedViewAccessor view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        int pageSize = Environment.SystemPageSize;
        var vector = new byte[(length + pageSize - 1) / pageSize];
        // The view starts on a page boundary (offset 0), so its address is the mapping's.
        IntPtr address = view.SafeMemoryMappedViewHandle.DangerousGetHandle();
        if (Mincore(address, (nuint)length, vector) != 0)
        {
            throw new IOException($"mincore failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        int resident = 0;
        foreach (byte page in vector) resident += page & 1;
        return (double)resident / vector.Length;
    }

    [DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mincore(IntPtr address, nuint length, byte[] vector);
}
