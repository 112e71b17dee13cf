using System.Runtime.InteropServices;
using System.Text;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// bcrypt through the system's libxcrypt (<c>libcrypt.so.1</c>, present on every Debian), since no bcrypt
/// package is in the registry copy. Hashes are <c>$2b$</c>; <c>$2a$</c>, <c>$2b$</c> and <c>$2y$</c> hashes made
/// elsewhere verify, so users can be migrated from other panels.
/// </summary>
internal static partial class PasswordHasher
{
    // sizeof(struct crypt_data) in libxcrypt is 32768 bytes; crypt_rn refuses a smaller buffer.
    private const int CryptDataSize = 32768;
    private const int SettingSize = 128;

    public const int DefaultCost = 12;

    public static string Hash(string password, int cost = DefaultCost)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cost, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cost, 31);
        byte[] setting = new byte[SettingSize];
        // A null random-bytes pointer asks libxcrypt to read the OS's secure random source itself.
        if (crypt_gensalt_rn("$2b$"u8, (ulong)cost, IntPtr.Zero, 0, setting, setting.Length) == IntPtr.Zero)
        {
            throw new InvalidOperationException($"libcrypt could not make a bcrypt salt (errno {Marshal.GetLastPInvokeError()}).");
        }
        return Crypt(password, setting) ?? throw new InvalidOperationException("libcrypt could not compute a bcrypt hash.");
    }

    public static bool Verify(string password, string hash)
    {
        if (!(hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal) || hash.StartsWith("$2y$", StringComparison.Ordinal)))
        {
            return false;
        }
        byte[] setting = new byte[Encoding.ASCII.GetByteCount(hash) + 1];
        Encoding.ASCII.GetBytes(hash, setting);
        string? computed = Crypt(password, setting);
        return computed is not null
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    private static string? Crypt(string password, byte[] settingZ)
    {
        // bcrypt reads at most 72 bytes of the password; the terminating NUL is ours to add.
        byte[] phrase = new byte[Encoding.UTF8.GetByteCount(password) + 1];
        Encoding.UTF8.GetBytes(password, phrase);
        // Zeroed, as crypt_rn expects on first use, and pinned for as long as it lives: the result points into it and
        // is read after the call, when a movable array could already have been moved by the GC (a login crashed the
        // process with an access violation in PtrToStringAnsi that way).
        byte[] data = GC.AllocateArray<byte>(CryptDataSize, pinned: true);
        try
        {
            IntPtr result = crypt_rn(phrase, settingZ, data, CryptDataSize);
            // libxcrypt returns a "*0"/"*1" failure token instead of null in some builds.
            string? text = result == IntPtr.Zero ? null : Marshal.PtrToStringAnsi(result);
            return text is null || text.StartsWith('*') ? null : text;
        }
        finally
        {
            // The work area and the phrase hold password material: clear both before the GC may move on.
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(phrase);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(data);
        }
    }

    [LibraryImport("libcrypt.so.1", SetLastError = true)]
    private static partial IntPtr crypt_rn(byte[] phrase, byte[] setting, byte[] data, int size);

    [LibraryImport("libcrypt.so.1", SetLastError = true)]
    private static partial IntPtr crypt_gensalt_rn(ReadOnlySpan<byte> prefix, ulong count, IntPtr rbytes, int nrbytes, byte[] output, int outputSize);
}
