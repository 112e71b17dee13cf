using System.Text;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Keeps the annotated example in docs/wire-format.md identical to the golden fixture.</summary>
public sealed class WireFormatDocTests
{
    [Fact]
    public void WireFormatDoc_AnnotatedExample_EqualsGoldenFixtureWithCorrectOffsets()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "wire-format.md"));
        int begin = Array.IndexOf(lines, "<!-- golden:traffic-batch-v1:begin -->");
        int end = Array.IndexOf(lines, "<!-- golden:traffic-batch-v1:end -->");
        Assert.True(begin >= 0 && end > begin, "docs/wire-format.md lost its golden example markers.");

        var hex = new StringBuilder();
        foreach (string line in lines[(begin + 3)..end]) // skip the marker, the header row and the alignment row
        {
            string[] cells = line.Split('|', StringSplitOptions.TrimEntries);
            Assert.True(int.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture) == hex.Length / 2, $"Wrong offset in: {line}");
            hex.Append(cells[2].Trim('`').Replace(" ", "", StringComparison.Ordinal));
        }

        Assert.Equal(TrafficBatchParserTests.GoldenHex, hex.ToString());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vpn.Perf.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Vpn.Perf.sln above {AppContext.BaseDirectory}.");
    }
}
