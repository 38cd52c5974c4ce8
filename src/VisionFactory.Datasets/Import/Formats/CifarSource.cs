using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;
using VisionFactory.Imaging.Encoding;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>
/// CIFAR-10 binary batches: records of one label byte and 32x32 pixels as three 1024-byte planes (red, green, blue).
/// A folder's <c>*.bin</c> batches are read together; <c>batches.meta.txt</c> beside them names the classes (one per
/// line), else the ten CIFAR-10 names are used. Each record becomes a PNG named after its batch and position.
/// </summary>
internal sealed class CifarSource : ImportSource
{
    private const int Side = 32;
    private const int PixelBytes = Side * Side * 3;
    private const int RecordBytes = 1 + PixelBytes;

    private static readonly string[] Cifar10Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private readonly Dictionary<string, (string Batch, long Offset)> records = new(StringComparer.Ordinal);

    public CifarSource(string path, ArchiveLimits limits)
    {
        Description = Path.GetFullPath(path);
        var folder = File.Exists(path) ? Path.GetDirectoryName(Description)! : Description;
        var batches = File.Exists(path)
            ? [Description]
            : Directory.GetFiles(Description, "*.bin").Where(f => !Path.GetFileName(f).StartsWith("batches.meta", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
        if (batches.Count == 0)
        {
            throw ProblemException.Invalid($"'{path}' holds no CIFAR-10 batch files (*.bin)");
        }

        var names = ClassNames(folder);
        foreach (var batch in batches)
        {
            var length = new FileInfo(batch).Length;
            if (length == 0 || length % RecordBytes != 0)
            {
                throw ProblemException.Invalid(
                    $"'{Path.GetFileName(batch)}' is {length} bytes, not a whole number of {RecordBytes}-byte CIFAR-10 records; nothing was imported");
            }

            if (records.Count + (length / RecordBytes) > limits.MaxEntries)
            {
                throw ProblemException.Invalid($"the batches hold more than {limits.MaxEntries} images, the import limit; nothing was imported");
            }

            using var stream = new FileStream(batch, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var record = new byte[RecordBytes];
            var stem = Path.GetFileNameWithoutExtension(batch);
            for (long i = 0; i < length / RecordBytes; i++)
            {
                stream.ReadExactly(record);
                var label = record[0];
                if (label >= names.Count)
                {
                    throw ProblemException.Invalid(
                        $"record {i} of '{Path.GetFileName(batch)}' has label {label}; only {names.Count} classes are named; nothing was imported");
                }

                records[$"{names[label]}/{stem}-{i:00000}.png"] = (batch, i * RecordBytes);
            }
        }

        Files = records.Select(r => new SourceFile(r.Key, PixelBytes)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
        ClassFolders = Files.Select(f => ClassOf(f.RelativePath)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public override string Description { get; }

    public override IReadOnlyList<SourceFile> Files { get; }

    public override IReadOnlyList<string> ClassFolders { get; }

    public override async Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (batch, offset) = records[file.RelativePath];
        var planes = new byte[PixelBytes];
        var stream = new FileStream(batch, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            stream.Position = offset + 1;
            await stream.ReadExactlyAsync(planes, cancellationToken).ConfigureAwait(false);
        }

        return PlanesToPng(planes, Side);
    }

    /// <summary>A CIFAR record's three planes (all red, all green, all blue) of a square image as a PNG.</summary>
    internal static byte[] PlanesToPng(ReadOnlySpan<byte> planes, int side)
    {
        var plane = side * side;
        var rgb = new byte[plane * 3];
        for (var p = 0; p < plane; p++)
        {
            rgb[p * 3] = planes[p];
            rgb[(p * 3) + 1] = planes[plane + p];
            rgb[(p * 3) + 2] = planes[(2 * plane) + p];
        }

        return RawImage.EncodePng(rgb, side, side, 3);
    }

    private static List<string> ClassNames(string folder)
    {
        var meta = Path.Combine(folder, "batches.meta.txt");
        if (!File.Exists(meta))
        {
            return [.. Cifar10Classes];
        }

        var names = File.ReadLines(meta).Take(1000).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.FirstOrDefault(n => DatasetEditor.ValidateClassName(n) is not null) is { } bad)
        {
            throw ProblemException.Invalid($"batches.meta.txt: {DatasetEditor.ValidateClassName(bad)}");
        }

        return names;
    }
}
