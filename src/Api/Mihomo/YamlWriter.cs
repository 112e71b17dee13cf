using System.Globalization;
using System.Text;

namespace Vpn.Perf.Api.Mihomo;

/// <summary>
/// Block-style YAML, two spaces per level. Every string is a double-quoted scalar, so no value (a node named
/// <c>yes</c>, <c>1e3</c>, <c>- x</c> or <c>#tag</c>) can be read as another type or break the structure; numbers and
/// booleans are written bare.
/// </summary>
internal sealed class YamlWriter
{
    private readonly StringBuilder _text = new(4096);

    public void Open(int depth, string key) => Indent(depth).Append(key).Append(":\n");

    public void Pair(int depth, string key, string value) => Quote(Indent(depth).Append(key).Append(": "), value).Append('\n');

    public void Pair(int depth, string key, long value)
        => Indent(depth).Append(key).Append(": ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    public void Pair(int depth, string key, bool value) => Indent(depth).Append(key).Append(value ? ": true\n" : ": false\n");

    /// <summary>A key whose value is an empty list.</summary>
    public void EmptyList(int depth, string key) => Indent(depth).Append(key).Append(": []\n");

    /// <summary>A list item that is a string.</summary>
    public void Item(int depth, string value) => Quote(Indent(depth).Append("- "), value).Append('\n');

    /// <summary>A list item that is a mapping, opened with its first pair; the rest follow at <paramref name="depth"/> + 1.</summary>
    public void ItemPair(int depth, string key, string value) => Quote(Indent(depth).Append("- ").Append(key).Append(": "), value).Append('\n');

    public void Strings(int depth, string key, IEnumerable<string> values)
    {
        Open(depth, key);
        foreach (string value in values) Item(depth + 1, value);
    }

    public override string ToString() => _text.ToString();

    private StringBuilder Indent(int depth) => _text.Append(' ', depth * 2);

    /// <summary>YAML's double-quoted style: backslash escapes for the quote, the backslash, and every character YAML
    /// would fold or refuse (C0 and C1 controls, DEL, and the Unicode line and paragraph separators).</summary>
    private static StringBuilder Quote(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ' or (>= '\u007f' and <= '\u009f') or '\u2028' or '\u2029' or '\ufeff':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: text.Append(c); break;
            }
        }
        return text.Append('"');
    }
}
