namespace VisionFactory.Testing;

/// <summary>
/// The shared test material beside the repository (../shared): the masks images and the YuNet model. Tests read it
/// there and never copy it into the project. <c>VF_SHARED</c> names another place for it.
/// </summary>
public static class SharedFiles
{
    public static string Root { get; } = FindShared();

    public static string Masks => Existing(Path.Combine(Root, "datasets", "masks"));

    public static string YuNet => Existing(Path.Combine(Root, "models", "face_detection_yunet.onnx"));

    private static string FindShared()
    {
        if (Environment.GetEnvironmentVariable("VF_SHARED") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VisionFactory.slnx")))
        {
            dir = dir.Parent;
        }

        return dir is null
            ? throw new InvalidOperationException("run the tests from inside the repository")
            : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    }

    private static string Existing(string path) =>
        File.Exists(path) || Directory.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: the tests read the shared material beside the repository (../shared), or where VF_SHARED points", path);
}
