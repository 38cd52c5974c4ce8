using System.Buffers.Binary;
using System.IO.Compression;
using VisionFactory.Domain;
using VisionFactory.Imaging.Encoding;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>
/// MNIST-style idx files: each <c>*-images-idx3-ubyte</c> (grey images, optionally .gz) with its
/// <c>*-labels-idx1-ubyte</c>; the label number is the class. Each image becomes a PNG named after its file and position.
/// </summary>
internal sealed class MnistSource : ImportSource
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;
    private const int MaxSide = 4096;
    private const long MaxFileBytes = 1L << 30;

    private readonly Dictionary<string, (byte[] Data, int Offset, int Rows, int Columns)> images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Domain.Datasets.Split>? splits;

    /// <param name="path">An images file or a folder of image and label files.</param>
    /// <param name="limits">The import's bounds.</param>
    /// <param name="classNames">The class of each label number (Fashion-MNIST's garment names); by default the number.</param>
    /// <param name="splitOf">The split an images file was published as (by its name), kept by the import; by default none.</param>
    public MnistSource(string path, ArchiveLimits limits, IReadOnlyList<string>? classNames = null, Func<string, Domain.Datasets.Split>? splitOf = null)
    {
        splits = splitOf is null ? null : new Dictionary<string, Domain.Datasets.Split>(StringComparer.Ordinal);
        Description = Path.GetFullPath(path);
        var files = File.Exists(path)
            ? [Description]
            : Directory.GetFiles(Description).Where(f => Path.GetFileName(f).Contains("idx3-ubyte", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw ProblemException.Invalid($"'{path}' holds no MNIST image files (*-images-idx3-ubyte)");
        }

        foreach (var imageFile in files)
        {
            var name = Path.GetFileName(imageFile);
            var labelName = name.Replace("images", "labels", StringComparison.Ordinal).Replace("idx3", "idx1", StringComparison.Ordinal);
            var labelFile = new[] { labelName, labelName + ".gz", labelName.EndsWith(".gz", StringComparison.Ordinal) ? labelName[..^3] : labelName }
                .Select(n => Path.Combine(Path.GetDirectoryName(imageFile)!, n))
                .FirstOrDefault(File.Exists) ?? Path.Combine(Path.GetDirectoryName(imageFile)!, labelName);
            if (!File.Exists(labelFile))
            {
                throw ProblemException.Invalid($"'{name}' has no labels file beside it (expected '{Path.GetFileName(labelFile)}')");
            }

            var pixels = Load(imageFile);
            var labels = Load(labelFile);
            if (pixels.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(pixels) != ImagesMagic)
            {
                throw ProblemException.Invalid($"'{name}' is not an idx3 image file (magic number 0x00000803 expected)");
            }

            if (labels.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(labels) != LabelsMagic)
            {
                throw ProblemException.Invalid($"'{Path.GetFileName(labelFile)}' is not an idx1 label file (magic number 0x00000801 expected)");
            }

            var count = BinaryPrimitives.ReadInt32BigEndian(pixels.AsSpan(4));
            var rows = BinaryPrimitives.ReadInt32BigEndian(pixels.AsSpan(8));
            var columns = BinaryPrimitives.ReadInt32BigEndian(pixels.AsSpan(12));
            if (rows is < 1 or > MaxSide || columns is < 1 or > MaxSide || count < 0 || 16L + ((long)count * rows * columns) != pixels.Length)
            {
                throw ProblemException.Invalid($"'{name}' declares {count} images of {rows}x{columns} pixels, which does not match its {pixels.Length} bytes");
            }

            if (BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4)) != count || labels.Length != 8 + count)
            {
                throw ProblemException.Invalid($"'{Path.GetFileName(labelFile)}' does not hold exactly {count} labels, one per image");
            }

            if (images.Count + count > limits.MaxEntries)
            {
                throw ProblemException.Invalid($"the files hold more than {limits.MaxEntries} images, the import limit; nothing was imported");
            }

            var stem = name.Split('-', '.')[0];
            var split = splitOf?.Invoke(name);
            for (var i = 0; i < count; i++)
            {
                var label = labels[8 + i];
                if (classNames is not null && label >= classNames.Count)
                {
                    throw ProblemException.Invalid($"image {i} of '{name}' has label {label}; only {classNames.Count} classes are named; nothing was imported");
                }

                var key = $"{(classNames is null ? label.ToString(System.Globalization.CultureInfo.InvariantCulture) : classNames[label])}/{stem}-{i:00000}.png";
                images[key] = (pixels, 16 + (i * rows * columns), rows, columns);
                if (split is { } s && splits is not null)
                {
                    splits[key] = s;
                }
            }
        }

        Files = images.Select(i => new SourceFile(i.Key, i.Value.Rows * i.Value.Columns)).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
        ClassFolders = Files.Select(f => ClassOf(f.RelativePath)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public override string Description { get; }

    public override IReadOnlyList<SourceFile> Files { get; }

    public override IReadOnlyList<string> ClassFolders { get; }

    public override IReadOnlyDictionary<string, Domain.Datasets.Split>? OwnSplits => splits;

    public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (data, offset, rows, columns) = images[file.RelativePath];
        return Task.FromResult(RawImage.EncodePng(data.AsSpan(offset, rows * columns), columns, rows, 1));
    }

    // Read whole (MNIST files are tens of MiB), inflating .gz within a bound.
    private static byte[] Load(string path)
    {
        if (new FileInfo(path).Length > MaxFileBytes)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(path)}' is larger than {MaxFileBytes >> 20} MiB, the limit for one idx file");
        }

        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return File.ReadAllBytes(path);
        }

        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            if (output.Length + read > MaxFileBytes)
            {
                throw ProblemException.Invalid($"'{Path.GetFileName(path)}' inflates past {MaxFileBytes >> 20} MiB, the limit for one idx file");
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }
}
