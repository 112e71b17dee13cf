using System.Globalization;
using System.Text;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// ClickHouse's TabSeparated output: rows end with '\n', fields are separated by '\t', and inside a field
/// backslash escapes <c>\\ \' \t \n \r \b \f \0 \a \v</c> (plus <c>\xNN</c> on input) stand for the byte they name.
/// Unescaping happens on bytes, before UTF-8 decoding, so a multi-byte character is never split.
/// </summary>
public static class TabSeparated
{
    /// <summary>Splits and unescapes a whole TabSeparated body. NULL (<c>\N</c>) stays the two characters <c>\N</c>.</summary>
    public static List<string[]> ParseRows(ReadOnlySpan<byte> body)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        byte[] scratch = new byte[256];
        int start = 0;
        while (start < body.Length)
        {
            int lineEnd = body[start..].IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lineEnd < 0 ? body[start..] : body.Slice(start, lineEnd);
            start = lineEnd < 0 ? body.Length : start + lineEnd + 1;
            fields.Clear();
            while (true)
            {
                int tab = line.IndexOf((byte)'\t');
                ReadOnlySpan<byte> field = tab < 0 ? line : line[..tab];
                fields.Add(Unescape(field, ref scratch));
                if (tab < 0) break;
                line = line[(tab + 1)..];
            }
            rows.Add([.. fields]);
        }
        return rows;
    }

    /// <summary>Unescapes one field; the result is decoded as UTF-8.</summary>
    public static string UnescapeField(ReadOnlySpan<byte> field)
    {
        byte[] scratch = new byte[Math.Max(16, field.Length)];
        return Unescape(field, ref scratch);
    }

    private static string Unescape(ReadOnlySpan<byte> field, ref byte[] scratch)
    {
        if (field.IndexOf((byte)'\\') < 0) return Encoding.UTF8.GetString(field);
        if (field.SequenceEqual("\\N"u8)) return "\\N";
        if (scratch.Length < field.Length) scratch = new byte[field.Length]; // unescaping only shrinks
        int n = 0;
        for (int i = 0; i < field.Length; i++)
        {
            byte b = field[i];
            if (b != (byte)'\\' || i + 1 == field.Length)
            {
                scratch[n++] = b;
                continue;
            }
            byte e = field[++i];
            switch (e)
            {
                case (byte)'t': scratch[n++] = (byte)'\t'; break;
                case (byte)'n': scratch[n++] = (byte)'\n'; break;
                case (byte)'r': scratch[n++] = (byte)'\r'; break;
                case (byte)'b': scratch[n++] = 0x08; break;
                case (byte)'f': scratch[n++] = 0x0C; break;
                case (byte)'0': scratch[n++] = 0x00; break;
                case (byte)'a': scratch[n++] = 0x07; break;
                case (byte)'v': scratch[n++] = 0x0B; break;
                case (byte)'x' when i + 2 < field.Length && IsHex(field[i + 1]) && IsHex(field[i + 2]):
                    scratch[n++] = byte.Parse(field.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                    i += 2;
                    break;
                default: scratch[n++] = e; break; // \\ \' and any other escaped character stand for themselves
            }
        }
        return Encoding.UTF8.GetString(scratch, 0, n);
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
}
