using System.Globalization;
using System.Text;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// Reads ClickHouse's plain-text error bodies. 18.16: <c>Code: 60, e.displayText() = DB::Exception: Table x doesn't
/// exist., e.what() = DB::Exception</c>; newer: <c>Code: 60. DB::Exception: Table x doesn't exist. (UNKNOWN_TABLE)</c>.
/// Parse errors of inserted data add lines (<c>Row 1: ... parsed text: "..."</c>) that quote the rows.
/// </summary>
internal static class ClickHouseErrorText
{
    /// <summary>The number after a leading <c>Code: </c>, or 0.</summary>
    public static int ParseCode(string body)
    {
        ReadOnlySpan<char> s = body.AsSpan().TrimStart();
        if (!s.StartsWith("Code: ", StringComparison.Ordinal)) return 0;
        s = s["Code: ".Length..];
        int digits = 0;
        while (digits < s.Length && digits < 9 && char.IsAsciiDigit(s[digits])) digits++;
        return digits == 0 ? 0 : int.Parse(s[..digits], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The first line without the code prefix and the <c>e.what()</c> suffix, non-printables replaced by '?', capped
    /// at <see cref="ClickHouseServerException.MaxServerMessageLength"/>. For inserts, anything after a marker that
    /// introduces quoted input (<c>before:</c>, <c>parsed text</c>) is cut: error text must never carry row contents.
    /// </summary>
    public static string Sanitize(string body, bool isInsert)
    {
        ReadOnlySpan<char> s = body.AsSpan().Trim();
        int newline = s.IndexOfAny('\r', '\n');
        if (newline >= 0) s = s[..newline];
        int display = s.IndexOf("e.displayText() = ", StringComparison.Ordinal);
        if (display >= 0) s = s[(display + "e.displayText() = ".Length)..];
        else if (s.StartsWith("Code: ", StringComparison.Ordinal) && s.IndexOf(". ", StringComparison.Ordinal) is int dot and > 0) s = s[(dot + 2)..];
        int what = s.IndexOf(", e.what() = ", StringComparison.Ordinal);
        if (what >= 0) s = s[..what];
        if (isInsert)
        {
            foreach (string marker in (ReadOnlySpan<string>)["before:", "parsed text", "ERROR: text"])
            {
                int at = s.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0) s = s[..at].TrimEnd();
            }
        }
        s = s.Trim().TrimEnd(',');
        var sb = new StringBuilder(Math.Min(s.Length, ClickHouseServerException.MaxServerMessageLength));
        foreach (char c in s)
        {
            if (sb.Length == ClickHouseServerException.MaxServerMessageLength) break;
            sb.Append(c < 0x20 || c == 0x7F || char.IsSurrogate(c) || c == '\uFFFD' ? '?' : c);
        }
        return sb.ToString();
    }
}
