using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

public sealed class ClickHouseParametersTests
{
    [Fact]
    public void Bind_TypedValues_FormatsLiterals()
    {
        var p = new ClickHouseParameters()
            .Add("g", Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"))
            .Add("u", ulong.MaxValue)
            .Add("l", -5L)
            .Add("s", "it's a \\ test\n\u0001\u007f ü")
            .Add("t", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc))
            .Add("d", new DateOnly(2024, 3, 1))
            .Add("a", new[] { Guid.Empty })
            .Add("n", new ulong[] { 1, 2 })
            .AddInList("in", new ulong[] { 3 });
        string sql = ClickHouseParameters.Bind("{g} {u} 1-{l} {s} {t} {d} {a} {n} x IN {in}", p);
        Assert.Equal(
            "toUUID('00112233-4455-6677-8899-aabbccddeeff') 18446744073709551615 1-(-5) 'it\\'s a \\\\ test\\x0A\\x01\\x7F ü' "
            + "toDateTime(1704067200) toDate('2024-03-01') [toUUID('00000000-0000-0000-0000-000000000000')] [1, 2] x IN (3)",
            sql);
    }

    [Fact]
    public void Bind_UnknownPlaceholder_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClickHouseParameters.Bind("SELECT {missing}", new ClickHouseParameters()));
        Assert.Contains("{missing}", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ClickHouseParameters.Bind("SELECT {missing}", null));
    }

    [Fact]
    public void Bind_UnusedParameter_ThrowsArgumentException()
    {
        var p = new ClickHouseParameters().Add("a", 1).Add("b", 2);
        var ex = Assert.Throws<ArgumentException>(() => ClickHouseParameters.Bind("SELECT {a}", p));
        Assert.Contains(" b ", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ClickHouseParameters.Bind("SELECT 1", new ClickHouseParameters().Add("a", 1)));
    }

    [Fact]
    public void Bind_PlaceholderInLiteralOrComment_IsLeftAlone()
    {
        var p = new ClickHouseParameters().Add("a", 1);
        Assert.Equal(
            "SELECT '{a}', `{a}`, \"{a}\", 'x\\'{a}', 1 -- {a} isn't\n/* {a} */ {x y} {}",
            ClickHouseParameters.Bind("SELECT '{a}', `{a}`, \"{a}\", 'x\\'{a}', {a} -- {a} isn't\n/* {a} */ {x y} {}", p));
    }

    [Fact]
    public void Add_SameNameTwiceOrBadName_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new ClickHouseParameters().Add("a", 1).Add("a", 2));
        Assert.Throws<ArgumentException>(() => new ClickHouseParameters().Add("a}b", 1));
        Assert.Throws<ArgumentException>(() => new ClickHouseParameters().Add("", 1));
    }

    [Fact]
    public void Add_LocalDateTime_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => new ClickHouseParameters().Add("t", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Local)));

    [Fact]
    public void AddInList_Empty_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => new ClickHouseParameters().AddInList("x", Array.Empty<Guid>()));

    [Fact]
    public void AddUnixSeconds_OutOfDateTimeRange_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClickHouseParameters().AddUnixSeconds("t", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClickHouseParameters().AddUnixSeconds("t", 1L << 32));
    }
}
