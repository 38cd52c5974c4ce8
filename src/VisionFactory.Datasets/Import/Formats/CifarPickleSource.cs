using System.Globalization;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>
/// CIFAR's "python version" batches (CIFAR-10's <c>data_batch_1..5</c> and <c>test_batch</c>, CIFAR-100's
/// <c>train</c> and <c>test</c>): pickled dicts whose <c>data</c> is a uint8 numpy array of N x 3072 (32 x 32 red,
/// green and blue planes) and whose labels list (<c>labels</c>, or <c>fine_labels</c> for CIFAR-100) indexes the class
/// names of the meta pickle (<c>label_names</c> / <c>fine_label_names</c>). Each batch keeps the split it was
/// published as; each record becomes a PNG named after its batch and position, read from the file when imported.
/// </summary>
internal sealed class CifarPickleSource : ImportSource
{
    private const int Side = 32;
    private const int PixelBytes = Side * Side * 3;

    private readonly Dictionary<string, (string Batch, PickledBytes Data, long Index)> records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Split> splits = new(StringComparer.Ordinal);

    /// <param name="batches">Each batch file with the split it was published as.</param>
    /// <param name="meta">The meta pickle naming the classes.</param>
    /// <param name="labelsKey">The key of the labels in a batch (<c>labels</c>, <c>fine_labels</c>).</param>
    /// <param name="namesKey">The key of the class names in the meta pickle (<c>label_names</c>, <c>fine_label_names</c>).</param>
    /// <param name="description">What the version's history shows as the source.</param>
    /// <param name="limits">The import's bounds.</param>
    public CifarPickleSource(
        IReadOnlyList<(string Path, Split Split)> batches, string meta, string labelsKey, string namesKey, string description, ArchiveLimits limits)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(limits);
        Description = description;
        var names = ClassNames(meta, namesKey);
        foreach (var (batch, split) in batches)
        {
            var name = Path.GetFileName(batch);
            var content = Load(batch) as Dictionary<object, object?>
                ?? throw ProblemException.Invalid($"'{name}' is not a CIFAR batch (a pickled dict); nothing was imported");
            if (content.GetValueOrDefault("data") is not PickledArray { ElementType: "u1" or "|u1", Shape: [var count, PixelBytes], Data: { } data } ||
                data.Length != count * PixelBytes)
            {
                throw ProblemException.Invalid($"'{name}' has no 'data' array of 8-bit pixels, N x {PixelBytes}; nothing was imported");
            }

            if (content.GetValueOrDefault(labelsKey) is not List<object?> labels || labels.Count != count)
            {
                throw ProblemException.Invalid($"'{name}' has no '{labelsKey}' list with one label per image ({count}); nothing was imported");
            }

            if (records.Count + count > limits.MaxEntries)
            {
                throw ProblemException.Invalid($"the batches hold more than {limits.MaxEntries} images, the import limit; nothing was imported");
            }

            for (var i = 0; i < count; i++)
            {
                if (labels[i] is not long label || label < 0 || label >= names.Count)
                {
                    throw ProblemException.Invalid(
                        $"image {i} of '{name}' has label {labels[i]}; only {names.Count} classes are named; nothing was imported");
                }

                var path = string.Create(CultureInfo.InvariantCulture, $"{names[(int)label]}/{name}-{i:00000}.png");
                records[path] = (batch, data, i);
                splits[path] = split;
            }
        }

        Files = records.Select(r => new SourceFile(r.Key, PixelBytes)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
        ClassFolders = Files.Select(f => ClassOf(f.RelativePath)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public override string Description { get; }

    public override IReadOnlyList<SourceFile> Files { get; }

    public override IReadOnlyList<string> ClassFolders { get; }

    public override IReadOnlyDictionary<string, Split> OwnSplits => splits;

    public override async Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (batch, data, index) = records[file.RelativePath];
        var planes = new byte[PixelBytes];
        if (data.Inline is { } inline)
        {
            inline.AsSpan((int)(index * PixelBytes), PixelBytes).CopyTo(planes);
        }
        else
        {
            var stream = new FileStream(batch, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                stream.Position = data.Offset + (index * PixelBytes);
                await stream.ReadExactlyAsync(planes, cancellationToken).ConfigureAwait(false);
            }
        }

        return CifarSource.PlanesToPng(planes, Side);
    }

    private static object? Load(string path)
    {
        using var stream = new BufferedStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1), 1 << 16);
        return PickleReader.Read(stream, Path.GetFileName(path));
    }

    private static List<string> ClassNames(string meta, string key)
    {
        var content = Load(meta) as Dictionary<object, object?>;
        if (content?.GetValueOrDefault(key) is not List<object?> listed || listed.Count is 0 or > 10_000)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(meta)}' has no '{key}' list of class names; nothing was imported");
        }

        var names = listed.Select(n => PickleReader.AsText(n)?.Trim() ?? "").ToList();
        if (names.FirstOrDefault(n => DatasetEditor.ValidateClassName(n) is not null) is { } bad)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(meta)}': {DatasetEditor.ValidateClassName(bad)}; nothing was imported");
        }

        return names;
    }
}
