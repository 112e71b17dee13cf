using System.Globalization;
using System.Text;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// Typed values for the <c>{name}</c> placeholders of a statement. ClickHouse 18.16 has no server-side query
/// parameters (<c>{name:Type}</c> came in 19.x), so the client binds them: each value becomes a literal formatted
/// from its type alone, never from caller-controlled SQL text. Numbers are invariant and negative ones
/// parenthesised (so <c>a-{x}</c> can never become a <c>--</c> comment); strings are single-quoted with backslash
/// and quote escaped and every byte below 0x20 and 0x7F written as <c>\xNN</c>; UUIDs are <c>toUUID('...')</c>;
/// times are <c>toDateTime(unix seconds)</c> and <c>toDate('yyyy-MM-dd')</c>; lists are <c>[...]</c> arrays, or
/// <c>(...)</c> for the right side of <c>IN</c> (18.16 does not accept an array there).
/// A placeholder without a value, or a value without a placeholder, is an <see cref="ArgumentException"/>.
/// Placeholders inside quoted literals, quoted identifiers and comments are left alone.
/// </summary>
public sealed class ClickHouseParameters
{
    private readonly Dictionary<string, string> _literals = new(StringComparer.Ordinal);

    public int Count => _literals.Count;

    public ClickHouseParameters Add(string name, Guid value) => Set(name, FormatUuid(value));

    public ClickHouseParameters Add(string name, ulong value) => Set(name, value.ToString(CultureInfo.InvariantCulture));

    public ClickHouseParameters Add(string name, long value) => Set(name, FormatInt64(value));

    public ClickHouseParameters Add(string name, int value) => Add(name, (long)value);

    public ClickHouseParameters Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Set(name, FormatString(value));
    }

    /// <summary>A UTC instant as <c>toDateTime(unix seconds)</c>; sub-second parts are truncated.</summary>
    public ClickHouseParameters Add(string name, DateTimeOffset value) => AddUnixSeconds(name, value.ToUnixTimeSeconds());

    /// <summary>A <see cref="DateTimeKind.Utc"/> instant as <c>toDateTime(unix seconds)</c>; local or unspecified times are rejected.</summary>
    public ClickHouseParameters Add(string name, DateTime value)
    {
        if (value.Kind != DateTimeKind.Utc) ThrowHelper.ThrowArgument("Only UTC DateTime values can be bound; ClickHouse DateTime is unix seconds.", nameof(value));
        return AddUnixSeconds(name, new DateTimeOffset(value).ToUnixTimeSeconds());
    }

    /// <summary>A calendar date as <c>toDate('yyyy-MM-dd')</c>.</summary>
    public ClickHouseParameters Add(string name, DateOnly value) =>
        Set(name, "toDate('" + value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "')");

    /// <summary>Unix seconds as <c>toDateTime(N)</c> (the DateTime range: 0 to 4294967295).</summary>
    public ClickHouseParameters AddUnixSeconds(string name, long unixSeconds)
    {
        if ((ulong)unixSeconds > uint.MaxValue) ThrowHelper.ThrowArgumentOutOfRange(nameof(unixSeconds), "ClickHouse DateTime holds unix seconds from 0 to 4294967295.");
        return Set(name, "toDateTime(" + unixSeconds.ToString(CultureInfo.InvariantCulture) + ")");
    }

    /// <summary>An <c>Array(UUID)</c> literal <c>[toUUID('...'), ...]</c>.</summary>
    public ClickHouseParameters Add(string name, IReadOnlyList<Guid> values) => Set(name, FormatList(values, '[', ']', allowEmpty: true));

    /// <summary>An <c>Array(UInt64)</c> literal <c>[1, 2]</c>.</summary>
    public ClickHouseParameters Add(string name, IReadOnlyList<ulong> values) => Set(name, FormatList(values, '[', ']', allowEmpty: true));

    /// <summary>A parenthesised list for <c>x IN {name}</c>; must not be empty (<c>IN ()</c> is a syntax error).</summary>
    public ClickHouseParameters AddInList(string name, IReadOnlyList<Guid> values) => Set(name, FormatList(values, '(', ')', allowEmpty: false));

    /// <summary>A parenthesised list for <c>x IN {name}</c>; must not be empty (<c>IN ()</c> is a syntax error).</summary>
    public ClickHouseParameters AddInList(string name, IReadOnlyList<ulong> values) => Set(name, FormatList(values, '(', ')', allowEmpty: false));

    /// <summary>Replaces every <c>{name}</c> in <paramref name="sql"/> with its literal.</summary>
    /// <exception cref="ArgumentException">A placeholder has no value, or a value was never used.</exception>
    public static string Bind(string sql, ClickHouseParameters? parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (sql.AsSpan().IndexOf('{') < 0)
        {
            if (parameters is { Count: > 0 }) ThrowUnused(parameters, used: null);
            return sql;
        }

        var sb = new StringBuilder(sql.Length + 64);
        HashSet<string>? used = null;
        int i = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (c is '\'' or '"' or '`')
            {
                // Copy a quoted literal or identifier verbatim; a backslash escapes the next character in all three.
                int end = i + 1;
                while (end < sql.Length && sql[end] != c) end += sql[end] == '\\' ? 2 : 1;
                end = Math.Min(end + 1, sql.Length);
                sb.Append(sql, i, end - i);
                i = end;
                continue;
            }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                // A line comment: an apostrophe or brace in it is prose, not SQL.
                int end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                sb.Append(sql, i, end - i);
                i = end;
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                int end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + 2;
                sb.Append(sql, i, end - i);
                i = end;
                continue;
            }
            if (c == '{')
            {
                int close = sql.IndexOf('}', i + 1);
                if (close > i + 1 && ClickHouseIdentifiers.IsValid(sql.AsSpan(i + 1, close - i - 1)))
                {
                    string name = sql.Substring(i + 1, close - i - 1);
                    if (parameters is null || !parameters._literals.TryGetValue(name, out string? literal))
                    {
                        ThrowHelper.ThrowArgument($"The SQL has a placeholder {{{name}}} but no parameter of that name was added.", nameof(parameters));
                        return sql; // unreachable
                    }
                    sb.Append(literal);
                    (used ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
                    i = close + 1;
                    continue;
                }
            }
            sb.Append(c);
            i++;
        }
        if (parameters is not null && (used?.Count ?? 0) != parameters.Count) ThrowUnused(parameters, used);
        return sb.ToString();
    }

    /// <summary>A ClickHouse string literal for <paramref name="value"/>, quotes included.</summary>
    public static string FormatString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length + 8);
        sb.Append('\'');
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\'': sb.Append(@"\'"); break;
                default:
                    if (c < 0x20 || c == 0x7F)
                        sb.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c); // the statement travels as UTF-8; everything else is literal text
                    break;
            }
        }
        return sb.Append('\'').ToString();
    }

    private static string FormatUuid(Guid value) => "toUUID('" + value.ToString("D", CultureInfo.InvariantCulture) + "')";

    private static string FormatInt64(long value) =>
        value < 0 ? "(" + value.ToString(CultureInfo.InvariantCulture) + ")" : value.ToString(CultureInfo.InvariantCulture);

    private static string FormatList(IReadOnlyList<Guid> values, char open, char close, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!allowEmpty && values.Count == 0) ThrowHelper.ThrowArgument("An IN list needs at least one value.", nameof(values));
        var sb = new StringBuilder(2 + values.Count * 48);
        sb.Append(open);
        for (int i = 0; i < values.Count; i++)
        {
            if (i != 0) sb.Append(", ");
            sb.Append(FormatUuid(values[i]));
        }
        return sb.Append(close).ToString();
    }

    private static string FormatList(IReadOnlyList<ulong> values, char open, char close, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!allowEmpty && values.Count == 0) ThrowHelper.ThrowArgument("An IN list needs at least one value.", nameof(values));
        var sb = new StringBuilder(2 + values.Count * 12);
        sb.Append(open);
        for (int i = 0; i < values.Count; i++)
        {
            if (i != 0) sb.Append(", ");
            sb.Append(values[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.Append(close).ToString();
    }

    private ClickHouseParameters Set(string name, string literal)
    {
        ClickHouseIdentifiers.ThrowIfInvalid(name, nameof(name));
        if (!_literals.TryAdd(name, literal)) ThrowHelper.ThrowArgument($"The parameter {name} was added twice.", nameof(name));
        return this;
    }

    private static void ThrowUnused(ClickHouseParameters parameters, HashSet<string>? used)
    {
        foreach (string name in parameters._literals.Keys)
        {
            if (used is null || !used.Contains(name))
                ThrowHelper.ThrowArgument($"The parameter {name} was added but the SQL has no {{{name}}} placeholder.", nameof(parameters));
        }
    }
}
