using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Shared.Tests.Contracts;

public sealed class ResetPeriodTests
{
    private static long Ms(int y, int m, int d, int h = 0) => new DateTimeOffset(y, m, d, h, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void Boundary_MonthlyFromJan31_ClampsToMonthEndWithoutDrifting()
    {
        var p = ResetPeriod.Parse("P1M");
        long anchor = Ms(2024, 1, 31);
        Assert.Equal(Ms(2024, 2, 29), p.Boundary(anchor, 1));
        Assert.Equal(Ms(2024, 3, 31), p.Boundary(anchor, 2));
        Assert.Equal(Ms(2024, 4, 30), p.Boundary(anchor, 3));
        Assert.Equal(Ms(2025, 2, 28), p.Boundary(anchor, 13));
    }

    [Theory]
    [InlineData(2024, 2, 28, 2024, 1, 31)]
    [InlineData(2024, 2, 29, 2024, 2, 29)]
    [InlineData(2024, 3, 30, 2024, 2, 29)]
    [InlineData(2024, 3, 31, 2024, 3, 31)]
    [InlineData(2023, 12, 31, 2023, 12, 31)]
    [InlineData(2023, 12, 30, 2023, 11, 30)]
    public void PeriodStart_Monthly_IsTheLastBoundaryNotAfterNow(int y, int m, int d, int sy, int sm, int sd)
    {
        var p = ResetPeriod.Parse("P1M");
        Assert.Equal(Ms(sy, sm, sd), p.PeriodStart(Ms(2024, 1, 31), Ms(y, m, d, 12) - (12 * 3_600_000L) + 1));
    }

    [Fact]
    public void PeriodStart_Rolling30Days_StepsEvery30DaysIncludingBeforeAnchor()
    {
        var p = ResetPeriod.Parse("P30D");
        long anchor = Ms(2025, 1, 1);
        Assert.Equal(anchor, p.PeriodStart(anchor, anchor));
        Assert.Equal(anchor, p.PeriodStart(anchor, anchor + (30 * 86_400_000L) - 1));
        Assert.Equal(anchor + (30 * 86_400_000L), p.PeriodStart(anchor, anchor + (30 * 86_400_000L)));
        Assert.Equal(anchor - (30 * 86_400_000L), p.PeriodStart(anchor, anchor - 1));
    }

    [Fact]
    public void PeriodStart_YearlyAndMixed_MatchBoundaries()
    {
        var y = ResetPeriod.Parse("P1Y");
        Assert.Equal(Ms(2025, 2, 28), y.PeriodStart(Ms(2024, 2, 29), Ms(2025, 6, 1)));
        var mixed = ResetPeriod.Parse("P1M15D");
        long anchor = Ms(2025, 1, 1);
        Assert.Equal(Ms(2025, 2, 16), mixed.Boundary(anchor, 1));
        Assert.Equal(Ms(2025, 2, 16), mixed.PeriodStart(anchor, Ms(2025, 3, 1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30D")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1.5D")]
    [InlineData("P-1D")]
    [InlineData("PT30M")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("P9999999D")]
    [InlineData("P101Y")]
    public void TryParse_Invalid_ReturnsFalseWithReason(string text)
    {
        Assert.False(ResetPeriod.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("P30D", 0, 30L * 86_400_000)]
    [InlineData("P1M", 1, 0)]
    [InlineData("P1Y", 12, 0)]
    [InlineData("P2W", 0, 14L * 86_400_000)]
    [InlineData("PT12H", 0, 12L * 3_600_000)]
    [InlineData("P1DT1H30M", 0, 86_400_000 + 3_600_000 + 1_800_000)]
    public void TryParse_Valid_ReadsMonthsAndFixedLength(string text, int months, long ms)
    {
        Assert.True(ResetPeriod.TryParse(text, out ResetPeriod p, out _));
        Assert.Equal(months, p.Months);
        Assert.Equal(ms, p.FixedMilliseconds);
    }
}
