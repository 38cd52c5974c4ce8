namespace VisionFactory.Storage;

/// <summary>
/// The folder that holds everything VisionFactory stores: the database, blobs and caches.
/// Taken from <c>VF_DATA</c>, else <c>./data</c>.
/// </summary>
public sealed class DataDirectory
{
    public const string EnvironmentVariable = "VF_DATA";

    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "visionfactory.db");

    public string BlobsPath => Path.Combine(Root, "blobs");

    public string CachePath => Path.Combine(Root, "cache");

    public string TempPath => Path.Combine(Root, "tmp");

    public static DataDirectory FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? path : "data");
}
