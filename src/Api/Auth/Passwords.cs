using System.Globalization;
using System.Text;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// The password rules and bcrypt at the configured cost (<c>Auth:BcryptCost</c>, default 12). Every feature that
/// sets or checks a password goes through here, so the cost and the rules are the same everywhere.
/// </summary>
internal sealed class Passwords
{
    public const string CostKey = "Auth:BcryptCost";
    public const int MinCost = 4;
    public const int MaxCost = 31;
    public const int MinChars = 10;

    /// <summary>bcrypt reads only the first 72 bytes; a longer password would be silently truncated.</summary>
    public const int MaxBytes = 72;

    // A hash of the configured cost whose password nobody knows: an unknown account is checked against it so that
    // a failed sign-in costs one bcrypt run whether or not the account exists.
    private readonly string _dummyHash;

    public Passwords(int cost)
    {
        if (cost is < MinCost or > MaxCost)
        {
            throw new InvalidOperationException($"{CostKey} is {cost}; bcrypt accepts {MinCost}..{MaxCost} (default {PasswordHasher.DefaultCost}).");
        }
        Cost = cost;
        // bcrypt's running time depends only on the cost field, so a cheap cost-4 hash relabelled to the real cost
        // takes exactly as long to check as a real one, without paying a full-cost hash at start-up.
        string cheap = PasswordHasher.Hash(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)), MinCost);
        _dummyHash = string.Concat("$2b$", cost.ToString("D2", CultureInfo.InvariantCulture), cheap.AsSpan(6));
    }

    public int Cost { get; }

    public static Passwords FromConfiguration(IConfiguration configuration)
        => new(configuration.GetValue(CostKey, PasswordHasher.DefaultCost));

    public string Hash(string password) => PasswordHasher.Hash(password, Cost);

    /// <summary>Checks a password against a stored hash, or against the dummy hash when there is no account.</summary>
    public bool Verify(string password, string? hash)
    {
        if (hash is null)
        {
            PasswordHasher.Verify(password, _dummyHash);
            return false;
        }
        return PasswordHasher.Verify(password, hash);
    }

    /// <summary>
    /// True for a hash made with another cost than the configured one (or not a bcrypt hash we verify). The variant
    /// alone does not count: <c>$2a$</c>, <c>$2b$</c> and <c>$2y$</c> are the same algorithm for every password we
    /// accept (UTF-8, at most 72 bytes, no NUL), so rehashing for the label would cost a bcrypt run and gain nothing.
    /// </summary>
    public bool NeedsRehash(string hash) => PasswordHasher.CostOf(hash) != Cost;

    /// <summary>Why a new password is not acceptable, or null when it is.</summary>
    public static string? Check(string? password)
    {
        if (string.IsNullOrEmpty(password)) return "A password is required.";
        int chars = 0;
        foreach (Rune _ in password.EnumerateRunes()) chars++;
        if (chars < MinChars) return $"The password has {chars} characters; at least {MinChars} are required.";
        int bytes = Encoding.UTF8.GetByteCount(password);
        if (bytes > MaxBytes) return $"The password is {bytes} bytes in UTF-8; bcrypt uses at most {MaxBytes}.";
        // C implementations of bcrypt (libxcrypt, other panels' libraries) stop at a NUL: a hash made here must mean the
        // same password wherever it is checked.
        if (password.Contains('\0', StringComparison.Ordinal)) return "The password must not contain a NUL character.";
        return null;
    }
}
