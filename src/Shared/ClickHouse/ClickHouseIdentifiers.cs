namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// Names that go into SQL or a URL unquoted (databases, tables, columns, settings, placeholders) are restricted
/// to plain identifiers, so they can never carry SQL. Values go through <see cref="ClickHouseParameters"/>.
/// </summary>
internal static class ClickHouseIdentifiers
{
    /// <summary>True for <c>[A-Za-z_][A-Za-z0-9_]*</c> of at most 128 characters.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 128 || char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        }
        return true;
    }

    /// <summary>A table name, optionally qualified: <c>name</c> or <c>database.name</c>.</summary>
    public static bool IsValidTable(ReadOnlySpan<char> name)
    {
        int dot = name.IndexOf('.');
        return dot < 0 ? IsValid(name) : IsValid(name[..dot]) && IsValid(name[(dot + 1)..]);
    }

    /// <summary>A comma-separated list of identifiers, spaces allowed around the commas.</summary>
    public static bool IsValidColumnList(ReadOnlySpan<char> list)
    {
        if (list.IsEmpty) return false;
        foreach (Range part in list.Split(','))
        {
            if (!IsValid(list[part].Trim(' '))) return false;
        }
        return true;
    }

    public static void ThrowIfInvalid(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (!IsValid(name)) ThrowHelper.ThrowArgument($"'{Shorten(name)}' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 128 characters).", paramName);
    }

    public static string Shorten(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 64), "...");
}
