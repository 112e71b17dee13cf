using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Tests.Data;

public sealed class SchemaMigratorTests
{
    [Fact]
    public async Task MigrateAsync_FreshDatabaseTwice_AppliesEachMigrationOnce()
    {
        string cs = await TestServers.CreateDatabaseAsync(nameof(MigrateAsync_FreshDatabaseTwice_AppliesEachMigrationOnce));
        await using var db = NpgsqlDataSource.Create(cs);
        var migrator = new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance);
        int files = Directory.GetFiles(TestServers.SchemaDirectory, "*.sql").Length;

        Assert.Equal(files, await migrator.MigrateAsync(TestServers.SchemaDirectory, CancellationToken.None));
        Assert.Equal(0, await migrator.MigrateAsync(TestServers.SchemaDirectory, CancellationToken.None));

        await using var count = db.CreateCommand("select count(*) from schema_migrations");
        Assert.Equal((long)files, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task MigrateAsync_AppliedFileEdited_RefusesWithTheVersion()
    {
        string cs = await TestServers.CreateDatabaseAsync(nameof(MigrateAsync_AppliedFileEdited_RefusesWithTheVersion));
        string dir = Directory.CreateTempSubdirectory("migrations").FullName;
        File.WriteAllText(Path.Combine(dir, "0001_a.sql"), "create table a (id int);");
        await using var db = NpgsqlDataSource.Create(cs);
        var migrator = new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync(dir, CancellationToken.None);

        File.WriteAllText(Path.Combine(dir, "0001_a.sql"), "create table a (id bigint);");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(dir, CancellationToken.None));
        Assert.Contains("0001_a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_FailingMigration_LeavesNoPartOfItBehind()
    {
        string cs = await TestServers.CreateDatabaseAsync(nameof(MigrateAsync_FailingMigration_LeavesNoPartOfItBehind));
        string dir = Directory.CreateTempSubdirectory("migrations").FullName;
        File.WriteAllText(Path.Combine(dir, "0001_ok.sql"), "create table ok (id int);");
        File.WriteAllText(Path.Combine(dir, "0002_bad.sql"), "create table half (id int); select * from missing_table;");
        await using var db = NpgsqlDataSource.Create(cs);
        var migrator = new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance);

        await Assert.ThrowsAsync<PostgresException>(() => migrator.MigrateAsync(dir, CancellationToken.None));

        await using var check = db.CreateCommand("select to_regclass('ok') is not null, to_regclass('half') is not null, (select count(*) from schema_migrations)");
        await using var r = await check.ExecuteReaderAsync();
        await r.ReadAsync();
        Assert.True(r.GetBoolean(0));
        Assert.False(r.GetBoolean(1));
        Assert.Equal(1L, r.GetInt64(2));
    }
}
