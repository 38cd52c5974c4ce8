using VisionFactory.Datasets.Import.Formats;

namespace VisionFactory.Datasets.Import;

public abstract partial class ImportSource
{
    /// <summary>Null when <paramref name="path"/> is an ImageFolder folder or archive; otherwise its format's source.</summary>
    private static ImportSource? OpenFormat(string path, ArchiveLimits limits, ImportFormat format)
    {
        var chosen = format == ImportFormat.Auto ? ImportFormats.Detect(path) : format;
        if (chosen is not (ImportFormat.Auto or ImportFormat.ImageFolder or ImportFormat.Urls or ImportFormat.Pages or ImportFormat.Stac) && !File.Exists(path) && !Directory.Exists(path))
        {
            throw Domain.ProblemException.NotFound($"'{path}' does not exist");
        }

        return chosen switch
        {
            ImportFormat.Csv => new CsvManifestSource(path, limits),
            ImportFormat.Coco => new CocoSource(path, limits),
            ImportFormat.Cifar10 => new CifarSource(path, limits),
            ImportFormat.Mnist => new MnistSource(path, limits),
            ImportFormat.Urls or ImportFormat.Pages => throw Domain.ProblemException.Invalid(
                "web addresses are collected by a web import (vf dataset import --format urls|pages, or POST /api/datasets/{name}/import-jobs)"),
            ImportFormat.Geo or ImportFormat.Stac => throw Domain.ProblemException.Invalid(
                "scenes are cut into chips by a geo import (vf dataset import <name> <scene.tif|stac-url> --geo-labels ... , or POST /api/datasets/{name}/import-jobs/geo)"),
            _ => null,
        };
    }

    /// <summary>Why an entry name cannot be used (absolute, '..', backslashes, control characters), or null.</summary>
    internal static string? UnsafeEntryName(string name) => ZipSource.UnsafePath(name);

    /// <summary>An entry name safe to show in a message.</summary>
    internal static string PrintableName(string name) => ZipSource.Printable(name);
}
