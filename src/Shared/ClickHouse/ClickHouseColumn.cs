namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>A column as <c>DESCRIBE TABLE</c> reports it: name and ClickHouse type (e.g. <c>UInt64</c>).</summary>
public readonly record struct ClickHouseColumn(string Name, string Type);
