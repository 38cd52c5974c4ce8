using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;
using VisionFactory.Storage.Database.CompiledModels;
using VisionFactory.Testing;

namespace VisionFactory.Storage.Tests.Database;

/// <summary>
/// The three descriptions of the schema agree: the model the code builds (OnModelCreating), the compiled model every
/// process opens the SQLite database with (Database/CompiledModels), and the migrations; and a database is migrated
/// exactly when it lacks one of them.
/// </summary>
public sealed class DatabaseSchemaTests
{
    private const string Regenerate =
        "dotnet ef dbcontext optimize -p src/VisionFactory.Storage -s src/VisionFactory.Storage -c VisionFactoryDb " +
        "-o Database/CompiledModels -n VisionFactory.Storage.Database.CompiledModels";

    [Fact]
    public void CompiledModelIsTheModelTheCodeBuilds()
    {
        using var temp = new TempDirectory("vf-schema");
        var data = new DataDirectory(temp.Path);
        using var built = new BuiltAtRuntime(data);
        using var compiled = new VisionFactoryDb(DatabaseSetup.SqliteOptions(data));

        Assert.Same(VisionFactoryDbModel.Instance, compiled.Model);
        Assert.NotSame(VisionFactoryDbModel.Instance, built.Model);
        var expected = Describe(built.Model);
        var actual = Describe(compiled.Model);
        Assert.True(expected.SequenceEqual(actual),
            $"The compiled model is stale: regenerate it ({Regenerate}). Built, not compiled: " +
            $"{string.Join("; ", expected.Except(actual))}. Compiled, not built: {string.Join("; ", actual.Except(expected))}");
    }

    [Fact]
    public void MigrationsHoldTheWholeModelOnBothDatabases()
    {
        using var temp = new TempDirectory("vf-schema");
        using var sqlite = new VisionFactoryDb(DatabaseSetup.SqliteOptions(new DataDirectory(temp.Path)));
        using var postgres = new PostgresDesignTimeFactory().CreateDbContext([]);

        Assert.False(sqlite.Database.HasPendingModelChanges(), "the SQLite model has changes no migration holds: add one (dotnet ef migrations add)");
        Assert.False(postgres.Database.HasPendingModelChanges(), "the PostgreSQL model has changes no migration holds: add one (dotnet ef migrations add --context PostgresVisionFactoryDb)");
    }

    [Fact]
    public async Task DatabaseBehindIsMigratedAndCurrentOneIsLeftAlone()
    {
        using var temp = new TempDirectory("vf-schema");
        var data = new DataDirectory(temp.Path);
        await using (var db = new VisionFactoryDb(DatabaseSetup.SqliteOptions(data)))
        {
            var all = db.Database.GetMigrations().ToList();
            Assert.True(all.Count >= 2);

            // One migration short, in the default rollback journal: as an older build left it.
            await db.GetService<IMigrator>().MigrateAsync(all[^2], CancellationToken.None);
            Assert.Equal(all[..^1], await db.Database.GetAppliedMigrationsAsync(CancellationToken.None));

            await DatabaseSetup.MigrateAsync(db, CancellationToken.None);
            Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync(CancellationToken.None));
        }

        Assert.Equal("wal", JournalMode(data));
        SqliteConnection.ClearAllPools();
        var stamp = File.GetLastWriteTimeUtc(data.DatabasePath);

        // Current: nothing is written (a full Migrate would take its lock row and touch the file).
        await using (var db = new VisionFactoryDb(DatabaseSetup.SqliteOptions(data)))
        {
            await DatabaseSetup.MigrateAsync(db, CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(data.DatabasePath));
        Assert.False(File.Exists(data.DatabasePath + "-wal") && new FileInfo(data.DatabasePath + "-wal").Length > 0);
    }

    /// <summary>Everything the database sees of a model: tables, columns, keys, indexes, and each property's mapping.</summary>
    private static List<string> Describe(IModel model)
    {
        var lines = new List<string>();
        foreach (var entity in model.GetEntityTypes())
        {
            lines.AddRange(entity.GetProperties().Select(p =>
                $"{entity.Name}.{p.Name} {p.ClrType.Name} converter={p.GetValueConverter()?.GetType().Name} " +
                $"provider={p.GetProviderClrType()?.Name} generated={p.ValueGenerated} max={p.GetMaxLength()} null={p.IsNullable}"));
        }

        foreach (var table in model.GetRelationalModel().Tables)
        {
            lines.AddRange(table.Columns.Select(c => $"{table.Name}.{c.Name} {c.StoreType} null={c.IsNullable}"));
            lines.Add($"{table.Name} key {table.PrimaryKey?.Name}: {string.Join(",", table.PrimaryKey?.Columns.Select(c => c.Name) ?? [])}");
            lines.AddRange(table.Indexes.Select(i => $"{table.Name} index {i.Name} unique={i.IsUnique}: {string.Join(",", i.Columns.Select(c => c.Name))}"));
            lines.AddRange(table.ForeignKeyConstraints.Select(f =>
                $"{table.Name} fk {f.Name} -> {f.PrincipalTable.Name} {f.OnDeleteAction}: {string.Join(",", f.Columns.Select(c => c.Name))}"));
        }

        return [.. lines.Order(StringComparer.Ordinal)];
    }

    private static string JournalMode(DataDirectory data)
    {
        using var connection = new SqliteConnection(DatabaseSetup.ConnectionString(data));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>A context type of its own, so EF Core builds its model from OnModelCreating instead of taking the compiled one.</summary>
    private sealed class BuiltAtRuntime(DataDirectory data)
        : VisionFactoryDb(new DbContextOptionsBuilder<BuiltAtRuntime>().UseSqlite(DatabaseSetup.ConnectionString(data)).Options);
}
