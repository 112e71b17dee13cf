using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Api.Tests.Auth;

public sealed class PasswordsTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(32)]
    public void Passwords_CostOutOfBounds_RefusesToStart(int cost)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new Passwords(cost));
        Assert.Contains("Auth:BcryptCost", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_ConfiguredCost_IsUsedAndVerifies()
    {
        var passwords = new Passwords(5);
        string hash = passwords.Hash("configured cost 5");
        Assert.StartsWith("$2b$05$", hash, StringComparison.Ordinal);
        Assert.True(passwords.Verify("configured cost 5", hash));
        Assert.False(passwords.NeedsRehash(hash));
        Assert.True(passwords.NeedsRehash(PasswordHasher.Hash("x", cost: 4)));
        // Another label of the same algorithm at the configured cost verifies as it is: no bcrypt run to relabel it.
        Assert.False(passwords.NeedsRehash("$2a$" + hash[4..]));
        Assert.True(passwords.NeedsRehash("not a hash"));
    }

    [Fact]
    public void Verify_NoAccount_ChecksTheDummyAndFails()
    {
        var passwords = new Passwords(4);
        Assert.False(passwords.Verify("anything at all", null));
        Assert.False(passwords.Verify("", null));
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("nine char", "at least 10")]
    [InlineData("ten chars!", null)]
    [InlineData("😀😀😀😀😀😀😀😀😀😀", null)] // ten characters, forty bytes
    [InlineData("😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", "bytes")] // nineteen characters, 76 bytes
    [InlineData("ten chars\0!", "NUL")]
    public void Check_NewPassword_AppliesTheRules(string? password, string? message)
    {
        string? error = Passwords.Check(password);
        if (message is null) Assert.Null(error);
        else Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue10_DocsStatePasswordLength_AsTheCodeEnforcesIt()
    {
        // Every "Passwords … N characters" sentence in the docs names the minimum Passwords.Check enforces.
        string docs = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(TestServers.SchemaDirectory))!, "docs");
        var stated = new List<(string File, int Chars)>();
        foreach (string file in Directory.EnumerateFiles(docs, "*.md"))
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file),
                @"Passwords(?: are|:)(?: at least)? (\d+) characters", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            {
                stated.Add((Path.GetFileName(file), int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        Assert.NotEmpty(stated);
        Assert.All(stated, s => Assert.True(s.Chars == Passwords.MinChars, $"{s.File} says {s.Chars} characters; the code requires {Passwords.MinChars}"));
        Assert.Contains(stated, s => s.File == "api-admin.md");
    }
}
