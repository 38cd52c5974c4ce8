using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

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
    /// How long PostgreSQL keeps a session that sits inside an open transaction without sending anything. The
    /// platform's transactions last milliseconds; one left open that long belongs to a process that was stopped
    /// (SIGSTOP, a paused VM, a debugger) between two statements, and the row locks it holds would block every other
    /// worker: the server ends the session, rolls its transaction back and frees the locks.
    /// </summary>
    public static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <paramref name="connectionString"/> with <see cref="IdleInTransactionTimeout"/> set for its sessions, unless
    /// its <c>Options</c> already set <c>idle_in_transaction_session_timeout</c>.
    /// </summary>
    public static string PostgresConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal) != true)
        {
            var timeout = ((long)IdleInTransactionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            builder.Options = $"{builder.Options} -c idle_in_transaction_session_timeout={timeout}".Trim();
        }

        return builder.ToString();
    }

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
            var connection = PostgresConnectionString(postgres);
            services.AddDbContextFactory<PostgresVisionFactoryDb>(o => o.UseNpgsql(connection));
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

    /// <summary>
    /// Brings the schema up to date; a SQLite file is switched to write-ahead logging. A database that already holds
    /// every migration is left alone after one read of its history table: a full <c>Migrate</c> also takes the migration
    /// lock and builds the design-time model to look for changes no migration holds, most of a second on every short
    /// command (<c>vf predict</c>, <c>vf models</c>); the SQLite context otherwise opens on its compiled model
    /// (Database/CompiledModels).
    /// </summary>
    public static async Task MigrateAsync(VisionFactoryDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (await IsCurrentAsync(db, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);

        // WAL lets readers (the web UI) proceed while a worker writes; the mode is stored in the file itself.
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every migration this build knows is recorded as applied (and the SQLite file is already in WAL mode). The
    /// history table is read with one plain query: EF Core's history repository first builds a model of its own, with
    /// the provider's full set of conventions, which costs a short command a few hundred milliseconds.
    /// </summary>
    private static async Task<bool> IsCurrentAsync(VisionFactoryDb db, CancellationToken cancellationToken)
    {
        var known = db.Database.GetMigrations().ToList();
        if (known.Count == 0)
        {
            return false;
        }

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = $"""SELECT "MigrationId" FROM "{HistoryRepository.DefaultTableName}";""";
                try
                {
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        applied.Add(reader.GetString(0));
                    }
                }
                catch (DbException)
                {
                    // No history table: a new database, which the full migration creates.
                    return false;
                }
            }

            if (!known.All(applied.Contains))
            {
                return false;
            }

            if (!db.Database.IsSqlite())
            {
                return true;
            }

            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode;";
            var mode = await pragma.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            return string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
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
