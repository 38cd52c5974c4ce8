using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace VisionFactory.Storage.Database;

/// <summary>Opens the SQLite database in WAL mode and applies schema migrations.</summary>
public static class DatabaseSetup
{
    public static string ConnectionString(DataDirectory data) => new SqliteConnectionStringBuilder
    {
        DataSource = data.DatabasePath,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public static DbContextOptions<VisionFactoryDb> SqliteOptions(DataDirectory data) =>
        new DbContextOptionsBuilder<VisionFactoryDb>().UseSqlite(ConnectionString(data)).Options;

    /// <summary>Brings the schema up to date and switches the file to write-ahead logging.</summary>
    public static async Task MigrateAsync(VisionFactoryDb db, CancellationToken cancellationToken)
    {
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);

        // WAL lets readers (the web UI) proceed while a worker writes; the mode is stored in the file itself.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the context at design time.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<VisionFactoryDb>
{
    public VisionFactoryDb CreateDbContext(string[] args) =>
        new(SqliteOptions(new DataDirectory(Path.Combine(Path.GetTempPath(), "vf-design"))));

    private static DbContextOptions<VisionFactoryDb> SqliteOptions(DataDirectory data) => DatabaseSetup.SqliteOptions(data);
}
