namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>A column as <c>DESCRIBE TABLE</c> reports it: name and ClickHouse type (e.g. <c>UInt64</c>).</summary>
public readonly record struct ClickHouseColumn(string Name, string Type)
{
    /// <summary>Bytes of one value of this fixed-size type, the same in RowBinary and Native (the server's in-memory form).</summary>
    /// <exception cref="NotSupportedException">The type is not one of the fixed-size ones the inserts write.</exception>
    public int FixedBytes() => Type switch
    {
        "UInt8" or "Int8" => 1,
        "UInt16" or "Int16" or "Date" => 2,
        "UInt32" or "Int32" or "Float32" or "DateTime" => 4,
        "UInt64" or "Int64" or "Float64" => 8,
        "UUID" => 16,
        _ => throw new NotSupportedException($"{Type} is not a fixed-size type a Native block is made of here."),
    };

    /// <summary>The names of <paramref name="columns"/> as the column list of an INSERT.</summary>
    public static string JoinNames(IReadOnlyList<ClickHouseColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var names = new string[columns.Count];
        for (int i = 0; i < names.Length; i++) names[i] = columns[i].Name;
        return string.Join(", ", names);
    }
}
