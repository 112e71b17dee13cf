using Vpn.Perf.Api.Auth;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Auth;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Hash_ThenVerify_AcceptsThePasswordAndRejectsOthers()
    {
        string hash = PasswordHasher.Hash("correct horse battery staple", cost: 4);
        Assert.StartsWith("$2b$04$", hash, StringComparison.Ordinal);
        Assert.Equal(60, hash.Length);
        Assert.True(PasswordHasher.Verify("correct horse battery staple", hash));
        Assert.False(PasswordHasher.Verify("correct horse battery stapler", hash));
        Assert.False(PasswordHasher.Verify("", hash));
    }

    [Fact]
    public void Hash_SamePasswordTwice_UsesFreshSalts()
        => Assert.NotEqual(PasswordHasher.Hash("pw", cost: 4), PasswordHasher.Hash("pw", cost: 4));

    [Theory]
    [InlineData("2a")]
    [InlineData("2b")]
    public async Task Verify_HashMadeByPythonBcrypt_Accepts(string prefix)
    {
        string hash = await RunPythonAsync($"import bcrypt; print(bcrypt.hashpw('pässwörd'.encode(), bcrypt.gensalt(5, prefix=b'{prefix}')).decode())");
        Assert.True(PasswordHasher.Verify("pässwörd", hash));
        Assert.False(PasswordHasher.Verify("password", hash));
    }

    [Fact]
    public async Task Hash_CheckedByPythonBcrypt_Verifies()
    {
        string hash = PasswordHasher.Hash("pässwörd made here", cost: 5);
        Assert.Equal("True\nFalse", await RunPythonAsync(
            $"import bcrypt; h = b'{hash}'; print(bcrypt.checkpw('pässwörd made here'.encode(), h)); print(bcrypt.checkpw(b'other', h))"));
    }

    [Fact]
    public async Task Verify_HashMadeByLibxcrypt_Accepts()
    {
        // Python's crypt module calls the system's libxcrypt, the library this project used before BCrypt.Net-Next:
        // hashes stored by earlier versions keep verifying.
        string hash = await RunPythonAsync("import warnings; warnings.simplefilter('ignore'); import crypt; "
            + "print(crypt.crypt('pässwörd', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))");
        Assert.StartsWith("$2b$05$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("pässwörd", hash));
        Assert.False(PasswordHasher.Verify("password", hash));
    }

    [Fact]
    public void Verify_DollarTwoXHash_ReturnsFalse()
    {
        // $2x$ marks hashes made with crypt_blowfish's sign-extension bug: they mean a different password.
        string hash = "$2x$" + PasswordHasher.Hash("old bug", cost: 4)[4..];
        Assert.False(PasswordHasher.Verify("old bug", hash));
    }

    [Fact]
    public void Verify_DollarTwoYHashFromPhp_Accepts()
    {
        // PHP's password_hash writes $2y$; the algorithm is $2b$'s, so re-labelling a $2b$ hash makes one.
        string hash = "$2y$" + PasswordHasher.Hash("legacy-panel", cost: 4)[4..];
        Assert.True(PasswordHasher.Verify("legacy-panel", hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("$1$abc$def")]
    [InlineData("$2b$04$short")]
    [InlineData("$2b$04$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public void Verify_NotABcryptHash_ReturnsFalse(string hash) => Assert.False(PasswordHasher.Verify("pw", hash));

    private static async Task<string> RunPythonAsync(string code) => (await Python.RunAsync(code)).Trim();
}
