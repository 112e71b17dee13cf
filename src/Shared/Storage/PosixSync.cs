using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Vpn.Perf.Shared.Storage;

/// <summary>fdatasync of a file, page-cache advice for it, and fsync of a directory, which makes a created, renamed or deleted name durable on Linux (POSIX leaves it to
/// the caller; ext4 and xfs need it). .NET cannot open a directory as a file handle, hence the P/Invoke.</summary>
public static class PosixSync
{
    private const int ORdOnly = 0;
    private const int OCloExec = 0x80000; // same value on x86-64 and arm64 Linux
    private const int EIntr = 4;
    private const int PosixFadvDontNeed = 4; // same value on x86-64 and arm64 Linux

    /// <summary>Makes a file's data durable. On Linux this is fdatasync: it still commits a size change (which appends
    /// need) but skips the timestamp-only journal commit that fsync (RandomAccess.FlushToDisk) adds; measured here on
    /// 16 KiB appends it was about twice as fast. Elsewhere RandomAccess.FlushToDisk.</summary>
    public static void FlushData(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int errno = Uninterrupted(Fdatasync, (int)handle.DangerousGetHandle());
            if (errno != 0)
            {
                throw new IOException($"fdatasync failed (errno {errno}).");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Tells the kernel that a durable (clean) range of the file will not be read soon, so its page-cache pages
    /// can be freed now. Only a hint: it fails on nothing that matters, and elsewhere than Linux it does nothing.</summary>
    public static void DropCache(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            _ = PosixFadvise((int)handle.DangerousGetHandle(), offset, length, PosixFadvDontNeed);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public static void Fsync(string directory)
    {
        // Windows/NTFS journals directory entries with the file's metadata flush; there is no directory handle to sync.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        // NUL-terminated UTF-8 path; a directory path is short, and callers sync directories rarely (a spool: on segment roll and commit).
        byte[] path = new byte[Encoding.UTF8.GetByteCount(directory) + 1];
        Encoding.UTF8.GetBytes(directory, path);

        int fd = Open(ref path[0], ORdOnly | OCloExec);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            int errno = Uninterrupted(Fsync, fd);
            if (errno != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {errno}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Calls <paramref name="sync"/> on <paramref name="fd"/> again while a signal interrupts it: 0, or the errno it failed with.</summary>
    private static int Uninterrupted(Func<int, int> sync, int fd)
    {
        while (sync(fd) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                return errno;
            }
        }

        return 0;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(ref byte path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fdatasync(int fd);

    // Returns the error number itself rather than setting errno; off_t is 64-bit on both 64-bit Linux ABIs.
    [DllImport("libc", EntryPoint = "posix_fadvise")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
