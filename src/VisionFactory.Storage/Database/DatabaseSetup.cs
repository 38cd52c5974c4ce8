using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace VisionFactory.Storage.Database;

/// <summary>Opens the database (SQLite in WAL mode, or PostgreSQL) and applies schema migrations.</summary>
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

    /// <summary>
    /// Registers <see cref="IDbContextFactory{VisionFactoryDb}"/> (short-lived contexts for background work) and a
    /// scoped <see cref="VisionFactoryDb"/>, on the database <paramref name="data"/> names.
    /// </summary>
    public static IServiceCollection AddVisionFactoryDatabase(this IServiceCollection services, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Postgres is { } postgres)
        {
            // A context of its own type, so that EF Core applies the PostgreSQL migrations, not the SQLite ones.
            services.AddDbContextFactory<PostgresVisionFactoryDb>(o => o.UseNpgsql(postgres));
            services.AddSingleton<IDbContextFactory<VisionFactoryDb>>(sp =>
                new Upcast(sp.GetRequiredService<IDbContextFactory<PostgresVisionFactoryDb>>()));
        }
        else
        {
            services.AddDbContextFactory<VisionFactoryDb>(o => o.UseSqlite(ConnectionString(data)));
        }

        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<VisionFactoryDb>>().CreateDbContext());
        services.AddSingleton<Audit.AuditLog>();
        return services;
    }

    /// <summary>Brings the schema up to date; a SQLite file is switched to write-ahead logging.</summary>
    public static async Task MigrateAsync(VisionFactoryDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);

        // WAL lets readers (the web UI) proceed while a worker writes; the mode is stored in the file itself.
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Upcast(IDbContextFactory<PostgresVisionFactoryDb> inner) : IDbContextFactory<VisionFactoryDb>
    {
        public VisionFactoryDb CreateDbContext() => inner.CreateDbContext();
    }
}

/// <summary>The platform's database on PostgreSQL, for workers on several machines.</summary>
public sealed class PostgresVisionFactoryDb(DbContextOptions<PostgresVisionFactoryDb> options) : VisionFactoryDb(options);

/// <summary>Lets <c>dotnet ef migrations add</c> build the SQLite context at design time.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<VisionFactoryDb>
{
    public VisionFactoryDb CreateDbContext(string[] args) =>
        new(DatabaseSetup.SqliteOptions(new DataDirectory(Path.Combine(Path.GetTempPath(), "vf-design"))));
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresVisionFactoryDb</c> build the PostgreSQL context (it does not connect).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresVisionFactoryDb>
{
    public PostgresVisionFactoryDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresVisionFactoryDb>().UseNpgsql("Host=localhost;Database=visionfactory").Options);
}
