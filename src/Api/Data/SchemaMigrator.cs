using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Vpn.Perf.Api.Data;

/// <summary>
/// Applies <c>schema/postgres/NNNN_*.sql</c> in order, each once, each in its own transaction, and records
/// it with a checksum. Migrations are forward-only and never edited once merged: a changed checksum of an
/// applied file stops the run instead of leaving the database in an unknown shape.
/// </summary>
internal sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Any fixed 64-bit number: it keeps two concurrent migrators (two set-up runs) from interleaving.
    private const long AdvisoryLockKey = 0x5650_4e50_6572_6601;

    private const string CreateLedgerSql = """
        create table if not exists schema_migrations (
            version    text primary key,
            checksum   text not null,
            applied_at timestamptz not null default now()
        )
        """;

    public async Task<int> MigrateAsync(string directory, CancellationToken ct)
    {
        string[] files = Directory.GetFiles(directory, "*.sql");
        Array.Sort(files, StringComparer.Ordinal);

        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct);
        await using (var cmd = new NpgsqlCommand("select pg_advisory_lock($1)", connection))
        {
            cmd.Parameters.AddWithValue(AdvisoryLockKey);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await using (var cmd = new NpgsqlCommand(CreateLedgerSql, connection))
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }

        Dictionary<string, string> applied = [];
        await using (var cmd = new NpgsqlCommand("select version, checksum from schema_migrations", connection))
        await using (NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                applied[reader.GetString(0)] = reader.GetString(1);
            }
        }

        int count = 0;
        foreach (string file in files)
        {
            string version = Path.GetFileNameWithoutExtension(file);
            string sql = await File.ReadAllTextAsync(file, ct);
            string checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            if (applied.TryGetValue(version, out string? known))
            {
                if (known != checksum)
                {
                    throw new InvalidOperationException(
                        $"Migration {version} was changed after it was applied (checksum {checksum[..12]}, recorded {known[..12]}). Migrations are forward-only: add a new file instead.");
                }
                continue;
            }

            await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
            await using (var cmd = new NpgsqlCommand(sql, connection, tx))
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await using (var cmd = new NpgsqlCommand("insert into schema_migrations (version, checksum) values ($1, $2)", connection, tx))
            {
                cmd.Parameters.AddWithValue(version);
                cmd.Parameters.AddWithValue(checksum);
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            LogApplied(logger, version);
            count++;
        }
        return count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version}")]
    private static partial void LogApplied(ILogger logger, string version);
}
