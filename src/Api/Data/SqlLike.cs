namespace Vpn.Perf.Api.Data;

/// <summary>
/// LIKE patterns from user text: the wildcards <c>%</c> and <c>_</c> and the escape character are escaped, so a
/// search for "50%" matches that text and nothing else. Postgres's default LIKE escape is the backslash.
/// </summary>
internal static class SqlLike
{
    public static string? Prefix(string? text) => string.IsNullOrEmpty(text) ? null : Escape(text) + "%";

    public static string? Contains(string? text) => string.IsNullOrEmpty(text) ? null : "%" + Escape(text) + "%";

    private static string Escape(string text)
        => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
