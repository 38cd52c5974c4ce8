using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// Files uploaded for one import (loose images for one class, and .zip archives in the ImageFolder layout), written
/// to a temporary folder as they arrive so that nothing is held in memory. Loose images are placed in a folder named
/// after their class once the class is known (a form may send it after the files). Deleted on dispose.
/// </summary>
public sealed partial class UploadStaging : IDisposable
{
    /// <summary>File name endings accepted as loose images.</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    private readonly StagingFolder folder;
    private readonly string root;
    private readonly string pending;
    private readonly UploadLimits limits;
    private readonly List<string> archives = [];
    private readonly List<string> names = [];
    private readonly HashSet<string> imageNames = new(StringComparer.OrdinalIgnoreCase);

    public UploadStaging(string tempFolder, UploadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        this.limits = limits;
        folder = new StagingFolder(tempFolder, "upload-", limits.MaxUploadBytes);
        root = folder.Root;
        pending = Path.Combine(root, "images");
        Directory.CreateDirectory(pending);
    }

    /// <summary>Loose images received so far.</summary>
    public int Images => imageNames.Count;

    /// <summary>Archives received so far.</summary>
    public int Archives => archives.Count;

    /// <summary>Returns null when a file of this name can be uploaded, else why not.</summary>
    public static string? Check(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return "a file without a name was sent; send each image or .zip with its file name";
        }

        var extension = Path.GetExtension(fileName);
        return extension.Equals(".zip", StringComparison.OrdinalIgnoreCase) || IsFormatFile(fileName) ||
               ImageExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"'{Path.GetFileName(fileName)}' is neither an image (JPEG, PNG, WebP, GIF, BMP), a .zip archive nor a dataset file (CSV, COCO JSON, CIFAR-10 .bin, MNIST idx); nothing was imported";
    }

    /// <summary>Writes one uploaded file, bounded by the limits, without reading it whole into memory.</summary>
    public async Task AddAsync(string fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (Check(fileName) is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        var name = SafeName(fileName);
        var isArchive = Path.GetExtension(name).Equals(".zip", StringComparison.OrdinalIgnoreCase);
        string path;
        long maxBytes;
        if (IsFormatFile(name))
        {
            path = FormatFilePath(name);
            maxBytes = limits.MaxUploadBytes;
            isArchive = true;
        }
        else if (isArchive)
        {
            path = Path.Combine(root, $"archive-{archives.Count + 1}.zip");
            maxBytes = limits.MaxUploadBytes;
        }
        else
        {
            for (var n = 2; !imageNames.Add(name); n++)
            {
                name = $"{Path.GetFileNameWithoutExtension(SafeName(fileName))} ({n}){Path.GetExtension(fileName)}";
            }

            path = Path.Combine(pending, name);
            maxBytes = limits.MaxImageBytes;
        }

        await folder.WriteAsync(
            content, path, maxBytes,
            $"'{name}' is larger than the {Mebibytes(maxBytes)} limit for {(isArchive ? "an upload" : "one image")}; nothing was imported",
            $"the upload is larger than the {Mebibytes(limits.MaxUploadBytes)} limit; send fewer files at once; nothing was imported",
            cancellationToken).ConfigureAwait(false);

        if (isArchive && !IsFormatFile(name))
        {
            archives.Add(path);
        }

        names.Add(Path.GetFileName(fileName));
    }

    /// <summary>
    /// The folders and archives to import, with loose images placed under <paramref name="className"/>; refused when
    /// loose images came without a class or nothing came at all.
    /// </summary>
    public IReadOnlyList<string> Complete(string? className)
    {
        if (names.Count == 0)
        {
            throw ProblemException.Invalid("the upload carries no files; send images (with a class) or .zip archives with one folder per class");
        }

        if (FormatFiles > 0)
        {
            throw ProblemException.Invalid("dataset files (CSV, COCO JSON, CIFAR-10, MNIST) are imported with their format: send them to POST /api/datasets/{name}/import-jobs with a 'format' field");
        }

        var sources = new List<string>();
        if (imageNames.Count > 0)
        {
            if (string.IsNullOrWhiteSpace(className))
            {
                throw ProblemException.Invalid(
                    $"{imageNames.Count} image{(imageNames.Count == 1 ? "" : "s")} came without a class: say which class they show (the 'class' field)");
            }

            if (Editing.DatasetEditor.ValidateClassName(className) is { } problem)
            {
                throw ProblemException.Invalid(problem);
            }

            var imageFolder = Path.Combine(root, "folder");
            Directory.CreateDirectory(imageFolder);
            Directory.Move(pending, Path.Combine(imageFolder, className));
            sources.Add(imageFolder);
        }

        sources.AddRange(archives);
        return sources;
    }

    /// <summary>What the version's history shows as its source, e.g. "upload: pets.zip, 12 images".</summary>
    public string Description
    {
        get
        {
            var parts = names.Where(n => n.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) || IsFormatFile(n)).Take(5).ToList();
            if (imageNames.Count > 0)
            {
                parts.Add($"{imageNames.Count} image{(imageNames.Count == 1 ? "" : "s")}");
            }

            return "upload: " + string.Join(", ", parts);
        }
    }

    public void Dispose() => folder.Dispose();

    private static string SafeName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        var safe = new string(name.Select(c => char.IsControl(c) || Path.GetInvalidFileNameChars().Contains(c) ? '_' : c).ToArray());
        return safe.TrimStart('.') is { Length: > 0 } trimmed ? trimmed : "image" + Path.GetExtension(name);
    }

    private static string Mebibytes(long bytes) => StagingFolder.Mebibytes(bytes);
}

/// <summary>Bounds on one upload of images and archives.</summary>
public sealed record UploadLimits(long MaxUploadBytes, long MaxImageBytes)
{
    /// <summary>The import's per-image limit and a total of <paramref name="maxUploadBytes"/>.</summary>
    public static UploadLimits For(long maxUploadBytes, ImageLimits images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return new(maxUploadBytes, Math.Min(maxUploadBytes, images.MaxFileBytes));
    }
}
