using System.Security.Cryptography;
using Vpn.Perf.Api.Features.Configs;

namespace Vpn.Perf.Api.Tests.Features.Configs;

public sealed class LinkIndexTests
{
    [Fact]
    public void TryParse_GeneratedShape_RoundTripsAndEverythingElseIsNone()
    {
        string text = Token();
        Assert.True(LinkToken.TryParse(text, out LinkToken token));
        Assert.Equal(text, token.ToString());
        Assert.False(token.IsNone);
        foreach (string bad in new[] { "", text[..^1], text + "A", text[..^1] + "+", text[..^1] + "/", text[..^1] + "=", text[..^1] + " ", text[..^1] + "é", " " + text[1..] })
        {
            Assert.False(LinkToken.TryParse(bad, out LinkToken parsed), bad);
            Assert.True(parsed.IsNone);
        }
    }

    [Fact]
    public void TryGetId_NoneOrUnknown_IsAMiss()
    {
        LinkIndex index = Ready();
        index.Set(Guid.NewGuid(), Token(), 1);
        Assert.False(index.TryGetId(LinkToken.None, out _));
        Assert.False(index.TryGetId(Parse(Token()), out _));
    }

    [Fact]
    public void Set_NewerVersion_ReplacesTheOldToken()
    {
        LinkIndex index = Ready();
        Guid id = Guid.NewGuid();
        string old = Token(), current = Token();
        index.Set(id, old, 1);
        index.Set(id, current, 2);
        Assert.False(index.TryGetId(Parse(old), out _));
        Assert.True(index.TryGetId(Parse(current), out Guid found) && found == id);
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Set_OlderVersion_DoesNotBringTheOldTokenBack()
    {
        LinkIndex index = Ready();
        Guid id = Guid.NewGuid();
        string old = Token(), current = Token();
        index.Set(id, current, 3); // the listener read the latest rotation
        index.Set(id, old, 2); // a late local apply of an earlier one
        Assert.False(index.TryGetId(Parse(old), out _));
        Assert.True(index.TryGetId(Parse(current), out Guid found) && found == id);
    }

    [Fact]
    public void Set_WhileNotReady_IsIgnoredAndResetEmpties()
    {
        var index = new LinkIndex();
        string token = Token();
        index.Set(Guid.NewGuid(), token, 1);
        Assert.False(index.TryGetId(Parse(token), out _));

        index = Ready();
        index.Set(Guid.NewGuid(), token, 1);
        index.Reset();
        Assert.False(index.IsReady);
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Remove_DropsTheToken()
    {
        LinkIndex index = Ready();
        Guid id = Guid.NewGuid();
        string token = Token();
        index.Set(id, token, 1);
        index.Remove(id);
        Assert.False(index.TryGetId(Parse(token), out _));
    }

    private static LinkIndex Ready()
    {
        var index = new LinkIndex();
        index.Replace(new LinkIndex.Snapshot());
        return index;
    }

    private static string Token() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    private static LinkToken Parse(string text) => LinkToken.TryParse(text, out LinkToken token) ? token : throw new ArgumentException(text);
}
