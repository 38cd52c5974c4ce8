namespace VisionFactory.Pipelines.Tests;

/// <summary>The shared test material beside the repository (../shared): the masks images and the YuNet model.</summary>
public static class SharedFiles
{
    public static string Root { get; } = FindShared();

    public static string Masks => Path.Combine(Root, "datasets", "masks");

    public static string YuNet => Path.Combine(Root, "models", "face_detection_yunet.onnx");

    private static string FindShared()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VisionFactory.slnx")))
        {
            dir = dir.Parent;
        }

        return dir is null
            ? throw new InvalidOperationException("run the tests from inside the repository")
            : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    }
}
