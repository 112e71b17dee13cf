using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Vpn.Perf.Shared.Contracts;

/// <summary>
/// A traffic reset period as an ISO 8601 duration (<c>P30D</c>, <c>P1M</c>, <c>P1Y</c>, <c>PT12H</c>, <c>P1M15D</c>).
/// Period boundaries are <c>anchor + k × period</c> for whole k, computed from the anchor every time (never by
/// repeated addition), so <c>P1M</c> from Jan 31 gives Feb 28/29 and then Mar 31. Ingest and Api must agree on
/// boundaries, which is why this type lives in Shared.
/// </summary>
public readonly record struct ResetPeriod
{
    private ResetPeriod(int months, long fixedMs, string text)
    {
        Months = months;
        FixedMilliseconds = fixedMs;
        Text = text;
    }

    /// <summary>Calendar months per period (years count as 12).</summary>
    public int Months { get; }

    /// <summary>Fixed-length part per period: weeks, days, hours, minutes, seconds, in milliseconds.</summary>
    public long FixedMilliseconds { get; }

    /// <summary>The ISO 8601 text the period was parsed from.</summary>
    public string Text { get; }

    /// <summary>Parses an ISO 8601 duration; throws <see cref="FormatException"/> with the reason.</summary>
    public static ResetPeriod Parse(string text)
        => TryParse(text, out ResetPeriod period, out string? error) ? period : throw new FormatException(error);

    /// <summary>
    /// Parses <c>PnYnMnWnDTnHnMnS</c> (integers only). The period must be at least one hour long, so a typo
    /// such as <c>PT1S</c> cannot turn every report into a reset, and at most 100 years.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out ResetPeriod period, [NotNullWhen(false)] out string? error)
    {
        period = default;
        if (string.IsNullOrEmpty(text) || text.Length > 32 || text[0] != 'P')
        {
            error = "A reset period is an ISO 8601 duration such as P30D, P1M or P1Y.";
            return false;
        }

        long months = 0, ms = 0;
        bool inTime = false, any = false;
        int i = 1;
        while (i < text.Length)
        {
            if (text[i] == 'T')
            {
                if (inTime) { error = $"'{text}' has two time designators."; return false; }
                inTime = true;
                i++;
                continue;
            }
            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || i == text.Length || i - start > 6)
            {
                error = $"'{text}' is not an ISO 8601 duration of whole numbers (e.g. P30D, P1M, PT12H).";
                return false;
            }
            long n = long.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            char unit = text[i++];
            switch (inTime, unit)
            {
                case (false, 'Y'): months += n * 12; break;
                case (false, 'M'): months += n; break;
                case (false, 'W'): ms += n * 7 * 86_400_000L; break;
                case (false, 'D'): ms += n * 86_400_000L; break;
                case (true, 'H'): ms += n * 3_600_000L; break;
                case (true, 'M'): ms += n * 60_000L; break;
                case (true, 'S'): ms += n * 1_000L; break;
                default:
                    error = $"'{text}' has an unknown or misplaced unit '{unit}'.";
                    return false;
            }
            any = true;
        }
        if (!any)
        {
            error = $"'{text}' has no length.";
            return false;
        }
        if (months == 0 && ms < 3_600_000L)
        {
            error = $"'{text}' is shorter than the minimum reset period of one hour.";
            return false;
        }
        if (months > 1200 || ms > 100L * 366 * 86_400_000L)
        {
            error = $"'{text}' is longer than the maximum reset period of 100 years.";
            return false;
        }
        period = new ResetPeriod((int)months, ms, text);
        error = null;
        return true;
    }

    /// <summary>The k-th boundary after <paramref name="anchorMs"/> (k may be negative).</summary>
    public long Boundary(long anchorMs, long k)
    {
        long ms = anchorMs + (k * FixedMilliseconds);
        if (Months == 0)
        {
            return ms;
        }
        // AddMonths clamps the day to the month's length, which is exactly the calendar rule wanted.
        DateTimeOffset anchor = DateTimeOffset.FromUnixTimeMilliseconds(anchorMs);
        long months = k * Months;
        DateTimeOffset shifted = anchor.AddMonths((int)Math.Clamp(months, -120_000, 120_000));
        return shifted.ToUnixTimeMilliseconds() + (k * FixedMilliseconds);
    }

    /// <summary>
    /// The start of the period that contains <paramref name="nowMs"/>: the largest boundary that is not after it.
    /// </summary>
    public long PeriodStart(long anchorMs, long nowMs) => Boundary(anchorMs, PeriodIndex(anchorMs, nowMs));

    /// <summary>The end of the period that contains <paramref name="nowMs"/> (the next reset): the first boundary after it.</summary>
    public long PeriodEnd(long anchorMs, long nowMs) => Boundary(anchorMs, PeriodIndex(anchorMs, nowMs) + 1);

    /// <summary>The k of the largest boundary that is not after <paramref name="nowMs"/>.</summary>
    private long PeriodIndex(long anchorMs, long nowMs)
    {
        long k;
        if (Months == 0)
        {
            k = FloorDiv(nowMs - anchorMs, FixedMilliseconds);
        }
        else
        {
            // Estimate k from an average period length, then step to the exact boundary; the estimate is
            // off by at most a couple of periods, so the loops run a handful of times at most.
            const long AverageMonthMs = 2_629_746_000L; // 365.2425 days / 12
            long approx = (Months * AverageMonthMs) + FixedMilliseconds;
            k = FloorDiv(nowMs - anchorMs, approx);
        }
        while (Boundary(anchorMs, k) > nowMs) k--;
        while (Boundary(anchorMs, k + 1) <= nowMs) k++;
        return k;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a - b + 1) / b);

    /// <inheritdoc />
    public override string ToString() => Text;
}
