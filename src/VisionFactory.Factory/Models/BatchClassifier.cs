using System.IO.Compression;
using System.Text;
using VisionFactory.Domain;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Inference;

namespace VisionFactory.Factory.Models;

/// <summary>One file to classify: its name in the results and how to read its bytes (called once, when its batch comes).</summary>
public sealed record ClassificationInput(string Name, long Length, Func<byte[]> Read);

/// <summary>How far a classification has come.</summary>
public readonly record struct ClassificationProgress(int Done, int Total);

/// <summary>What classifying a set of files gave, and on which engine.</summary>
public sealed record BatchClassification(List<Prediction> Predictions, ClassifierEngineKind Engine);

/// <summary>
/// Classifies many files (a folder, an archive) with one loaded model, a batch at a time so that memory stays flat
/// whatever the number of files; an unreadable file gets an error in its row and the rest go on. The model runs on
/// the engine chosen (<see cref="ModelEngines"/>): by default the one measured faster on this machine.
/// </summary>
public sealed class BatchClassifier(ModelService models, ModelEngines engines, ImageLimits limits)
{
    private const int BatchSize = 32;

    public async Task<BatchClassification> ClassifyAsync(
        string id, IReadOnlyList<ClassificationInput> files, IProgress<ClassificationProgress>? progress, CancellationToken cancellationToken,
        EngineChoice engine = EngineChoice.Auto, EnginePrefetch? prefetched = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var model = await models.GetArtifactAsync(id, cancellationToken).ConfigureAwait(false);
        return await Task.Run(
            () =>
            {
                using var classifier = engines.Open(model, engine, cancellationToken, prefetched);
                var results = new List<Prediction>(files.Count);
                progress?.Report(new ClassificationProgress(0, files.Count));
                foreach (var batch in files.Chunk(BatchSize))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var decoded = batch.AsParallel().AsOrdered().Select(file => Decode(file, classifier.ImageSize, classifier.Fit)).ToList();
                    var usable = decoded.Where(d => d.Error is null).Select(d => d.Rgb).ToList();
                    var probabilities = new Queue<float[]>(classifier.Probabilities(usable, BatchSize, cancellationToken));
                    results.AddRange(decoded.Select(d => d.Error is { } error
                        ? new Prediction(d.Name, null, null, null, error)
                        : Prediction.From(d.Name, model.Classes, probabilities.Dequeue())));
                    progress?.Report(new ClassificationProgress(results.Count, files.Count));
                }

                return new BatchClassification(results, classifier.Kind);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The image entries of a zip archive as inputs, within limits checked from the archive's directory before
    /// anything is inflated: at most <paramref name="maxFiles"/> entries, none larger than the image file limit. Entry
    /// names are only ever labels in the results, never paths.
    /// </summary>
    public ZipArchive OpenArchive(Stream zip, int maxFiles, out List<ClassificationInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(zip);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: Encoding.UTF8);
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.Invalid($"the upload is not a readable .zip archive ({e.Message})");
        }

        try
        {
            var entries = archive.Entries
                .Where(e => !e.FullName.EndsWith('/') && !e.FullName.EndsWith('\\') && e.Length > 0)
                .Where(e => !e.Name.StartsWith('.') && !e.FullName.Contains("__MACOSX", StringComparison.Ordinal))
                .OrderBy(e => e.FullName, StringComparer.Ordinal)
                .ToList();
            if (entries.Count == 0)
            {
                throw ProblemException.Invalid("the archive holds no files to classify");
            }

            if (entries.Count > maxFiles)
            {
                throw ProblemException.Invalid($"the archive holds {entries.Count} files; the limit is {maxFiles} per request: split it into smaller archives");
            }

            // A zip archive reads one entry at a time, while batches are decoded in parallel.
            var gate = new Lock();
            inputs = [.. entries.Select(entry => new ClassificationInput(entry.FullName.Replace('\\', '/'), entry.Length, () =>
            {
                lock (gate)
                {
                    return ReadEntry(entry);
                }
            }))];
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private byte[] ReadEntry(ZipArchiveEntry entry)
    {
        // The stated length is checked first, and the inflated stream is read only up to the limit, so a lying
        // header cannot make it larger.
        if (entry.Length > limits.MaxFileBytes)
        {
            throw new ImageRejectedException($"the file is {entry.Length / 1048576.0:0.#} MiB; the limit is {limits.MaxFileBytes / 1048576.0:0.#} MiB");
        }

        using var stream = entry.Open();
        using var buffer = new MemoryStream((int)Math.Min(entry.Length, limits.MaxFileBytes));
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limits.MaxFileBytes)
            {
                throw new ImageRejectedException($"the file inflates past the {limits.MaxFileBytes / 1048576.0:0.#} MiB limit");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private (string Name, byte[] Rgb, string? Error) Decode(ClassificationInput file, int size, SquareFit fit)
    {
        try
        {
            if (file.Length > limits.MaxFileBytes)
            {
                return (file.Name, [], $"the file is {file.Length / 1048576.0:0.#} MiB; the limit is {limits.MaxFileBytes / 1048576.0:0.#} MiB");
            }

            return (file.Name, ImageDecoder.DecodeSquare(file.Read(), size, limits, fit).Rgb, null);
        }
        catch (ImageRejectedException e)
        {
            return (file.Name, [], e.Message);
        }
        catch (IOException e)
        {
            return (file.Name, [], "the file could not be read: " + e.Message);
        }
        catch (InvalidDataException e)
        {
            return (file.Name, [], "the archive entry is damaged: " + e.Message);
        }
    }
}

/// <summary>
/// Predictions as CSV (RFC 4180): <c>file,label,confidence,error</c> and one probability column per class. Cells that
/// a spreadsheet would run as a formula (starting with = + - @) are prefixed with an apostrophe.
/// </summary>
public static class PredictionCsv
{
    private static readonly string[] Fixed = ["file", "label", "confidence", "error"];

    public static string Write(IReadOnlyList<string> classes, IEnumerable<Prediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(predictions);
        var csv = new StringBuilder();
        csv.AppendJoin(',', Fixed.Concat(classes).Select(Cell)).Append("\r\n");
        foreach (var p in predictions)
        {
            string[] cells =
            [
                Cell(p.File), Cell(p.Label ?? ""), p.Confidence is { } c ? Number(c) : "", Cell(p.Error ?? ""),
                .. classes.Select(k => p.Probabilities is { } all && all.TryGetValue(k, out var v) ? Number(v) : ""),
            ];
            csv.AppendJoin(',', cells).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Number(double value) => value.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    private static string Cell(string value)
    {
        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return safe.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
