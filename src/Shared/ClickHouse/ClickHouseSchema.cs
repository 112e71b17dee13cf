using System.Text;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// Applies schema/clickhouse/ and checks tables against the column lists the code writes. The splitting rules are
/// those of tests/infra/servers.sh: lines starting with <c>--</c> are skipped, and a statement ends with a line
/// ending in <c>;</c>. Every statement in those files is idempotent (IF NOT EXISTS), so applying twice is harmless.
/// </summary>
public static class ClickHouseSchema
{
    /// <summary>Runs every statement of every <c>*.sql</c> file of <paramref name="directory"/>, files in ordinal name order.</summary>
    /// <returns>The number of statements run.</returns>
    public static async Task<int> ApplyAsync(ClickHouseClient client, string directory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        string[] files = Directory.GetFiles(directory, "*.sql");
        Array.Sort(files, StringComparer.Ordinal);
        int count = 0;
        foreach (string file in files)
        {
            string text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
            foreach (string statement in SplitStatements(text))
            {
                try
                {
                    await client.ExecuteAsync(statement, null, ct).ConfigureAwait(false);
                }
                catch (ClickHouseServerException ex)
                {
                    throw new InvalidOperationException($"ClickHouse rejected statement {count + 1} (in {Path.GetFileName(file)}): {ex.Message}", ex);
                }
                count++;
            }
        }
        return count;
    }

    /// <summary>Splits a schema file into statements, without the <c>--</c> comment lines and the final <c>;</c>.</summary>
    public static List<string> SplitStatements(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var statements = new List<string>();
        var current = new StringBuilder();
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.TrimEnd('\r');
            if (line.TrimStart().StartsWith("--", StringComparison.Ordinal)) continue;
            string trimmedEnd = line.TrimEnd();
            if (trimmedEnd.EndsWith(';'))
            {
                current.Append(trimmedEnd.AsSpan(0, trimmedEnd.Length - 1));
                AddIfNotBlank(statements, current);
                continue;
            }
            current.Append(line).Append('\n');
        }
        AddIfNotBlank(statements, current);
        return statements;
    }

    /// <summary>
    /// Checks that <paramref name="table"/> has every column of <paramref name="expected"/> with that exact type, by
    /// <c>DESCRIBE TABLE</c>. Extra columns are allowed (an insert leaves them at their defaults), so the schema can
    /// grow before the code does.
    /// </summary>
    /// <exception cref="InvalidOperationException">A column is missing or has another type; the message lists each difference.</exception>
    public static async Task VerifyColumnsAsync(ClickHouseClient client, string table, IReadOnlyList<ClickHouseColumn> expected, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(expected);
        ClickHouseIdentifiers.ThrowIfInvalid(table, nameof(table));
        // The table name is a checked plain identifier: identifiers cannot be bound as parameters.
        List<string[]> rows = await client.QueryRowsAsync("DESCRIBE TABLE " + table, null, ct).ConfigureAwait(false);
        var actual = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string[] row in rows)
        {
            // name, type, default_type (empty, DEFAULT, MATERIALIZED, ALIAS), default_expression, ...
            bool insertable = row.Length < 3 || row[2] is "" or "DEFAULT";
            if (row.Length >= 2 && insertable) actual[row[0]] = row[1];
        }
        var problems = new StringBuilder();
        foreach (ClickHouseColumn column in expected)
        {
            if (!actual.TryGetValue(column.Name, out string? type))
                problems.Append("; column ").Append(column.Name).Append(" is missing");
            else if (!string.Equals(type, column.Type, StringComparison.Ordinal))
                problems.Append("; column ").Append(column.Name).Append(" is ").Append(type).Append(", expected ").Append(column.Type);
        }
        if (problems.Length != 0)
        {
            throw new InvalidOperationException(
                $"ClickHouse table {client.Options.Database}.{table} does not match the columns the code writes{problems}. Apply schema/clickhouse/ or deploy matching code.");
        }
    }

    private static void AddIfNotBlank(List<string> statements, StringBuilder current)
    {
        string statement = current.ToString().Trim();
        current.Clear();
        if (statement.Length != 0) statements.Add(statement);
    }
}
