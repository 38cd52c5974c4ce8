using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Serialization;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Datasets.Export;

/// <summary>How an exported dataset version is laid out.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExportFormat>))]
public enum ExportFormat
{
    /// <summary><c>&lt;class&gt;/&lt;image&gt;</c>: one folder per class.</summary>
    ImageFolder,

    /// <summary><c>images/&lt;image&gt;</c> and <c>labels.csv</c> with the columns path, label and split.</summary>
    Csv,
}

/// <summary>What an export wrote.</summary>
public sealed record ExportResult(string Target, ExportFormat Format, int Version, int Images, int Classes);

/// <summary>
/// Writes a dataset version as an ImageFolder tree or a CSV manifest with its images, to a new folder or a .zip.
/// Images are named by their content hash (never by the name they were imported under). The output is written beside
/// the target under a temporary name and moved into place when complete, so a failed export leaves nothing behind, and
/// an existing target is never written into.
/// </summary>
public sealed class DatasetExporter(DatasetCatalog catalog, BlobStore blobs)
{
    public static ExportFormat ParseFormat(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "imagefolder" or "folder" => ExportFormat.ImageFolder,
        "csv" => ExportFormat.Csv,
        _ => throw ProblemException.Invalid($"'{name}' is not an export format; use imagefolder or csv"),
    };

    public async Task<ExportResult> ExportAsync(
        string datasetName, int? version, ExportFormat format, string target, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var full = Path.GetFullPath(target);
        if (File.Exists(full) || Directory.Exists(full) || new FileInfo(full).LinkTarget is not null)
        {
            throw ProblemException.Conflict($"'{target}' already exists; export into a new folder or .zip name");
        }

        var parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent))
        {
            throw ProblemException.NotFound($"the folder '{parent}' does not exist");
        }

        var found = await catalog.GetVersionAsync(datasetName, version, withItems: true, cancellationToken).ConfigureAwait(false);
        var partial = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        try
        {
            if (full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true);
                await using (stream.ConfigureAwait(false))
                {
                    await WriteZipAsync(found, format, stream, progress, cancellationToken).ConfigureAwait(false);
                }

                File.Move(partial, full, overwrite: false);
            }
            else
            {
                Directory.CreateDirectory(partial);
                await WriteFolderAsync(found, format, partial, progress, cancellationToken).ConfigureAwait(false);
                Directory.Move(partial, full);
            }
        }
        catch
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            File.Delete(partial);
            throw;
        }

        return new ExportResult(full, format, found.Number, found.Items.Count, found.Classes.Count);
    }

    /// <summary>Writes a version (loaded with its items) as a .zip to <paramref name="output"/>, e.g. a download.</summary>
    public Task WriteZipAsync(DatasetVersion version, ExportFormat format, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        return WriteZipAsync(version, format, output, null, cancellationToken);
    }

    private async Task WriteZipAsync(DatasetVersion version, ExportFormat format, Stream output, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        await using (zip.ConfigureAwait(false))
        {
            var done = 0;
            foreach (var (name, sha) in Plan(version, format))
            {
                var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
                var stream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var source = File.OpenRead(blobs.PathOf(sha));
                    await using (source.ConfigureAwait(false))
                    {
                        await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                    }
                }

                progress?.Report(new ImportProgress(++done, version.Items.Count, 0, name));
            }

            if (format == ExportFormat.Csv)
            {
                var manifest = zip.CreateEntry("labels.csv", CompressionLevel.Optimal);
                var stream = await manifest.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(Manifest(version), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task WriteFolderAsync(DatasetVersion version, ExportFormat format, string folder, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var (name, sha) in Plan(version, format))
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(blobs.PathOf(sha), path, overwrite: false);
            progress?.Report(new ImportProgress(++done, version.Items.Count, 0, name));
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (format == ExportFormat.Csv)
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "labels.csv"), Manifest(version), cancellationToken).ConfigureAwait(false);
        }
    }

    private static IEnumerable<(string Name, string Sha)> Plan(DatasetVersion version, ExportFormat format) =>
        version.Items
            .OrderBy(i => i.ClassIndex).ThenBy(i => i.Sha256, StringComparer.Ordinal)
            .Select(i => (format == ExportFormat.Csv ? $"images/{FileName(i)}" : $"{Segment(version.Classes[i.ClassIndex])}/{FileName(i)}", i.Sha256));

    private static byte[] Manifest(DatasetVersion version)
    {
        var csv = new StringBuilder("path,label,split\n");
        foreach (var item in version.Items.OrderBy(i => i.ClassIndex).ThenBy(i => i.Sha256, StringComparer.Ordinal))
        {
            csv.Append(CultureInfo.InvariantCulture, $"images/{FileName(item)},{Quote(version.Classes[item.ClassIndex])},{item.Split.ToString().ToLowerInvariant()}\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static string FileName(ImageItem item) => item.Sha256[..20] + "." + (item.Format switch
    {
        "jpeg" => "jpg",
        { Length: > 0 and <= 5 } f when f.All(char.IsAsciiLetterOrDigit) => f,
        _ => "img",
    });

    // A class name as one safe folder name: no separators, no '.' or '..', nothing invisible.
    private static string Segment(string className)
    {
        var safe = new string(className.Select(c => char.IsControl(c) || c is '/' or '\\' || Path.GetInvalidFileNameChars().Contains(c) ? '_' : c).ToArray());
        return safe is "" or "." or ".." ? "_" + safe : safe;
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 || field != field.Trim() ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
