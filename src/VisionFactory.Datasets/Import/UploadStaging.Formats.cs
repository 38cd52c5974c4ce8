using VisionFactory.Datasets.Import.Formats;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import;

/// <summary>
/// Uploads of standard dataset formats, through the same staging as images and zips: CIFAR-10 batches
/// (<c>*.bin</c> with <c>batches.meta.txt</c>) and MNIST idx files (optionally <c>.gz</c>) are uploaded as they are;
/// a CSV manifest or a COCO JSON comes in one .zip together with the images it names, and is unpacked (through the
/// same hardened archive reader as any uploaded zip) into a folder where the manifest's relative paths resolve.
/// </summary>
public sealed partial class UploadStaging
{
    private string FormatFolder => Path.Combine(root, "format");

    /// <summary>Dataset files received so far (CSV, JSON, CIFAR-10 batches, MNIST idx).</summary>
    public int FormatFiles => Directory.Exists(FormatFolder) ? Directory.GetFiles(FormatFolder).Length : 0;

    /// <summary>Whether a file of this name is part of a standard dataset format rather than an image or a zip.</summary>
    public static bool IsFormatFile(string fileName)
    {
        var name = Path.GetFileName(fileName ?? "").ToLowerInvariant();
        return name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal) ||
               name.EndsWith(".bin", StringComparison.Ordinal) || name == "batches.meta.txt" ||
               name.Contains("idx1-ubyte", StringComparison.Ordinal) || name.Contains("idx3-ubyte", StringComparison.Ordinal);
    }

    /// <summary>
    /// The path to import in <paramref name="format"/> (a folder of binary files, or the unpacked manifest), once the
    /// upload is complete; refused when the files do not make up that format.
    /// </summary>
    public async Task<(string Path, ImportFormat Format)> CompleteFormatAsync(ImportFormat format, ArchiveLimits archiveLimits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archiveLimits);
        Directory.CreateDirectory(FormatFolder);
        if (format is ImportFormat.Csv or ImportFormat.Coco || (format == ImportFormat.Auto && FormatFiles == 0))
        {
            if (archives.Count != 1 || FormatFiles > 0 || imageNames.Count > 0)
            {
                throw ProblemException.Invalid("send a CSV manifest or a COCO JSON in one .zip together with the images it names (paths relative to the manifest)");
            }

            await UnpackAsync(archives[0], archiveLimits, cancellationToken).ConfigureAwait(false);
            var extension = format == ImportFormat.Coco ? ".json" : ".csv";
            var manifests = Directory.GetFiles(FormatFolder, "*" + extension);
            if (format == ImportFormat.Auto)
            {
                manifests = [.. Directory.GetFiles(FormatFolder, "*.csv"), .. Directory.GetFiles(FormatFolder, "*.json")];
            }

            return manifests.Length == 1
                ? (manifests[0], ImportFormats.Detect(manifests[0]))
                : throw ProblemException.Invalid(manifests.Length == 0
                    ? $"the .zip holds no {(format == ImportFormat.Auto ? "CSV or JSON" : extension[1..].ToUpperInvariant())} manifest at its top level"
                    : $"the .zip holds {manifests.Length} manifests at its top level; send one");
        }

        if (FormatFiles == 0 || archives.Count > 0 || imageNames.Count > 0)
        {
            throw ProblemException.Invalid(format switch
            {
                ImportFormat.Cifar10 => "send the CIFAR-10 batch files (*.bin) and batches.meta.txt as they are, without images or zips",
                ImportFormat.Mnist => "send the MNIST files (*-images-idx3-ubyte and *-labels-idx1-ubyte, optionally .gz) as they are, without images or zips",
                _ => "send either dataset files (CIFAR-10 .bin, MNIST idx) or one .zip with a manifest and its images, not a mix",
            });
        }

        return (FormatFolder, format == ImportFormat.Auto ? ImportFormats.Detect(FormatFolder) : format);
    }

    private string FormatFilePath(string safeName)
    {
        Directory.CreateDirectory(FormatFolder);
        var path = Path.Combine(FormatFolder, safeName);
        return File.Exists(path)
            ? throw ProblemException.Invalid($"'{safeName}' was sent twice; nothing was imported")
            : path;
    }

    // Entry names were checked by the archive reader (no absolute paths, '..' or links); each target is checked again.
    private async Task UnpackAsync(string archive, ArchiveLimits archiveLimits, CancellationToken cancellationToken)
    {
        using var source = ImportSource.Open(archive, archiveLimits, ImportFormat.ImageFolder);
        var folder = Path.GetFullPath(FormatFolder) + Path.DirectorySeparatorChar;
        foreach (var file in source.Files)
        {
            var target = Path.GetFullPath(Path.Combine(folder, file.RelativePath));
            if (!target.StartsWith(folder, StringComparison.Ordinal))
            {
                throw ProblemException.Invalid($"the .zip entry '{file.RelativePath}' points outside the archive; nothing was imported");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var bytes = await source.ReadAsync(file, limits.MaxUploadBytes, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(target, bytes, cancellationToken).ConfigureAwait(false);
        }
    }
}
