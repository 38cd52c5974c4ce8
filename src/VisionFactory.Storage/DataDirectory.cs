namespace VisionFactory.Storage;

/// <summary>
/// Where VisionFactory stores everything: a folder (<c>VF_DATA</c>, else <c>./data</c>) with blobs, checkpoints and
/// caches, and the database: a SQLite file in that folder, or PostgreSQL when <c>VF_DATABASE</c> holds a connection
/// string (workers on several machines share one PostgreSQL database and one folder, e.g. over NFS).
/// </summary>
public sealed class DataDirectory
{
    public const string EnvironmentVariable = "VF_DATA";

    public const string DatabaseEnvironmentVariable = "VF_DATABASE";

    public DataDirectory(string root, string? postgres = null)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        Postgres = string.IsNullOrWhiteSpace(postgres) ? null : postgres;
    }

    public string Root { get; }

    /// <summary>The PostgreSQL connection string, or null for the embedded SQLite file.</summary>
    public string? Postgres { get; }

    public string DatabasePath => Path.Combine(Root, "visionfactory.db");

    public string BlobsPath => Path.Combine(Root, "blobs");

    public string CachePath => Path.Combine(Root, "cache");

    /// <summary>Training checkpoints, one folder per run; shared by every worker in scale-out.</summary>
    public string CheckpointsPath => Path.Combine(Root, "checkpoints");

    /// <summary>The embedded job queue's own SQLite file.</summary>
    public string QueueDatabasePath => Path.Combine(Root, "queue.db");

    public string TempPath => Path.Combine(Root, "tmp");

    public static DataDirectory FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? path : "data",
            Environment.GetEnvironmentVariable(DatabaseEnvironmentVariable));
}
