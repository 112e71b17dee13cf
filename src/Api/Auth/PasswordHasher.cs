namespace Vpn.Perf.Api.Auth;

/// <summary>
/// bcrypt through BCrypt.Net-Next (managed: no native library, no pinned work area). New hashes are <c>$2b$</c>;
/// <c>$2a$</c>, <c>$2b$</c> and <c>$2y$</c> hashes made elsewhere (python-bcrypt, libxcrypt, PHP) verify, so users can
/// be migrated from other panels. <c>$2x$</c>, the label of crypt_blowfish's old sign-extension bug, is refused.
/// </summary>
internal static class PasswordHasher
{
    public const int DefaultCost = 12;

    /// <summary>A bcrypt hash is always 60 characters: <c>$2?$</c>, two cost digits, <c>$</c>, 22 of salt and 31 of hash.</summary>
    private const int HashLength = 60;

    public static string Hash(string password, int cost = DefaultCost)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cost, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cost, 31);
        return BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(cost, 'b'));
    }

    public static bool Verify(string password, string hash)
    {
        if (hash.Length != HashLength || !IsSupportedVariant(hash))
        {
            return false;
        }
        try
        {
            // The library compares the computed hash with the stored one in constant time.
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            // A stored value with a valid prefix but a damaged salt: no password matches it.
            return false;
        }
    }

    /// <summary>The cost field of a supported hash, or -1 when <paramref name="hash"/> is not one.</summary>
    public static int CostOf(string hash)
        => hash.Length == HashLength && IsSupportedVariant(hash)
            && int.TryParse(hash.AsSpan(4, 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int cost)
            ? cost
            : -1;

    private static bool IsSupportedVariant(string hash)
        => hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal) || hash.StartsWith("$2y$", StringComparison.Ordinal);
}
