using System.Text;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

public sealed class TabSeparatedTests
{
    [Fact]
    public void ParseRows_EscapedFields_Unescapes()
    {
        byte[] body = Encoding.UTF8.GetBytes("a\\tb\tc\\nd\\\\\\'\\0\\x41\t\\N\nü\t\n");
        List<string[]> rows = TabSeparated.ParseRows(body);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["a\tb", "c\nd\\'\0A", "\\N"], rows[0]);
        Assert.Equal(["ü", ""], rows[1]);
    }

    [Fact]
    public void ParseRows_Empty_ReturnsNoRows() => Assert.Empty(TabSeparated.ParseRows([]));
}
