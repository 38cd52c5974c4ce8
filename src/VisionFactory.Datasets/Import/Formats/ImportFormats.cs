using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>Recognises and names import formats.</summary>
public static class ImportFormats
{
    public static ImportFormat Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => ImportFormat.Auto,
        "folder" or "imagefolder" or "zip" or "tar" => ImportFormat.ImageFolder,
        "csv" => ImportFormat.Csv,
        "cifar" or "cifar10" or "cifar-10" => ImportFormat.Cifar10,
        "mnist" or "idx" => ImportFormat.Mnist,
        "coco" or "json" => ImportFormat.Coco,
        "urls" or "url" => ImportFormat.Urls,
        "pages" or "page" => ImportFormat.Pages,
        "geo" or "geotiff" or "tif" or "tiff" => ImportFormat.Geo,
        "stac" => ImportFormat.Stac,
        _ => throw ProblemException.Invalid($"'{name}' is not an import format; use auto, imagefolder, csv, cifar10, mnist, coco, urls, pages, geo or stac"),
    };

    /// <summary>The format a path's name and contents suggest.</summary>
    public static ImportFormat Detect(string path)
    {
        if (File.Exists(path))
        {
            var name = Path.GetFileName(path).ToLowerInvariant();
            return name switch
            {
                _ when name.EndsWith(".csv", StringComparison.Ordinal) => ImportFormat.Csv,
                _ when name.EndsWith(".json", StringComparison.Ordinal) => ImportFormat.Coco,
                _ when name.EndsWith(".bin", StringComparison.Ordinal) => ImportFormat.Cifar10,
                _ when name.EndsWith(".tif", StringComparison.Ordinal) || name.EndsWith(".tiff", StringComparison.Ordinal) => ImportFormat.Geo,
                _ => ImportFormat.ImageFolder,
            };
        }

        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path).Select(f => Path.GetFileName(f).ToLowerInvariant()).Take(1000).ToList();
            if (files.Any(f => f.Contains("idx3-ubyte", StringComparison.Ordinal)))
            {
                return ImportFormat.Mnist;
            }

            if (files.Any(f => f.EndsWith(".bin", StringComparison.Ordinal) && f.Contains("batch", StringComparison.Ordinal)))
            {
                return ImportFormat.Cifar10;
            }
        }

        return ImportFormat.ImageFolder;
    }
}
