using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Tests.Problems;

public sealed class ProblemTypesTests
{
    [Fact]
    public void All_CodesAndTypes_AreUniqueAndAbsolute()
    {
        var codes = new HashSet<string>();
        foreach (ProblemType t in ProblemTypes.All)
        {
            Assert.True(codes.Add(t.Code), $"duplicate code {t.Code}");
            Assert.True(Uri.TryCreate(t.Type, UriKind.Absolute, out _), t.Type);
        }
        Assert.Equal(typeof(ProblemTypes).GetFields().Length - 1, ProblemTypes.All.Count); // every entry is listed in All
    }
}
