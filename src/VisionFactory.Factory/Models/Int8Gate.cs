using System.Globalization;
using Google.Protobuf;
using Onnx;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Evaluation;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Export;
using VisionFactory.Learning.Inference;

namespace VisionFactory.Factory.Models;

/// <summary>One image set measured with the float and the INT8 graph.</summary>
/// <param name="Set">What the images are ("test split of masks v1", "masks-real v1").</param>
/// <param name="Images">How many.</param>
/// <param name="Float32Accuracy">Top-1 accuracy of the float graph.</param>
/// <param name="Int8Accuracy">Top-1 accuracy of the INT8 graph.</param>
public sealed record Int8Figures(string Set, int Images, double Float32Accuracy, double Int8Accuracy)
{
    /// <summary>How many percentage points INT8 loses (negative: it gains).</summary>
    public double DropPoints => (Float32Accuracy - Int8Accuracy) * 100;
}

/// <summary>What an INT8 export measured.</summary>
public sealed record Int8Report(QuantizationSummary Quantization, IReadOnlyList<Int8Figures> Sets, double MaxDropPoints);

/// <summary>
/// Quantises an exported graph to INT8 (<see cref="OnnxQuantizer"/>, calibrated on up to <see cref="CalibrationImages"/>
/// images of the model's training split) and lets it through only when its accuracy, run on ONNX Runtime as a user
/// would, stays within <see cref="MaxDropPoints"/> points of the float graph's on the model's own test split and, when
/// one is named, on an external test set (every image of another dataset, classes matched by name).
/// </summary>
public sealed class Int8Gate(DatasetCatalog catalog, PixelSource pixels)
{
    /// <summary>The most accuracy INT8 may lose on any set, in percentage points.</summary>
    public const double MaxDropPoints = 0.5;

    /// <summary>Training images the activation ranges are measured on.</summary>
    public const int CalibrationImages = 100;

    /// <summary>The INT8 graph and its figures; a <see cref="ProblemException"/> names the set and the drop when INT8 loses too much.</summary>
    public async Task<(ModelProto Model, Int8Report Report)> QuantizeAsync(
        ModelVersion model, ModelProto floatModel, int imageSize, SquareFit fit, string? external, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(floatModel);
        var own = model.DatasetVersion?.Dataset?.Name is { } name
            ? await catalog.GetVersionAsync(name, model.DatasetVersion.Number, withItems: true, cancellationToken).ConfigureAwait(false)
            : throw ProblemException.Invalid($"the dataset model {model.Id} was trained on no longer exists: INT8 needs its training images to calibrate and its test split to check the result");
        var calibration = own.Items.Where(i => i.Split == Split.Train).OrderBy(i => i.Sha256, StringComparer.Ordinal).Take(CalibrationImages).ToList();
        if (calibration.Count == 0)
            throw ProblemException.Invalid($"dataset '{own.Dataset?.Name}' v{own.Number} has no training images to calibrate INT8 with");
        var sets = new List<(string Name, List<(string Sha, int Label)> Images)> { ($"test split of {own.Dataset?.Name} v{own.Number}", Labelled(model, own, Split.Test)) };
        if (!string.IsNullOrWhiteSpace(external))
        {
            var (externalName, version) = EvaluationService.ParseDatasetReference(external);
            var other = await catalog.GetVersionAsync(externalName, version, withItems: true, cancellationToken).ConfigureAwait(false);
            sets.Add(($"{other.Dataset?.Name} v{other.Number}", Labelled(model, other, null)));
        }

        foreach (var (set, images) in sets.Where(s => s.Images.Count == 0))
            throw ProblemException.Invalid($"the {set} has no images to check INT8 on");

        return await Task.Run(() => Measure(floatModel, calibration.Select(i => i.Sha256).ToList(), sets, imageSize, fit, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private (ModelProto Model, Int8Report Report) Measure(
        ModelProto floatModel, List<string> calibration, List<(string Name, List<(string Sha, int Label)> Images)> sets, int size, SquareFit fit, CancellationToken cancellationToken)
    {
        var calibrationPixels = calibration.Select(sha => pixels.Get(sha, size, fit)).ToList();
        var (int8, summary) = OnnxQuantizer.Quantize(floatModel, calibrationPixels, size, cancellationToken);
        var folder = Directory.CreateTempSubdirectory("vf-int8-");
        try
        {
            using var floats = Open(floatModel, Path.Combine(folder.FullName, "floatModel.onnx"));
            using var integers = Open(int8, Path.Combine(folder.FullName, "int8.onnx"));
            var figures = new List<Int8Figures>();
            foreach (var (name, images) in sets)
            {
                var (floatRight, intRight) = (0, 0);
                foreach (var chunk in images.Chunk(32))
                {
                    var batch = chunk.Select(i => pixels.Get(i.Sha, size, fit)).ToList();
                    var byFloat = floats.Probabilities(batch, batch.Count, cancellationToken);
                    var byInt = integers.Probabilities(batch, batch.Count, cancellationToken);
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        floatRight += ArgMax(byFloat[i]) == chunk[i].Label ? 1 : 0;
                        intRight += ArgMax(byInt[i]) == chunk[i].Label ? 1 : 0;
                    }
                }

                figures.Add(new Int8Figures(name, images.Count, (double)floatRight / images.Count, (double)intRight / images.Count));
            }

            Check(figures, MaxDropPoints);
            return (int8, new Int8Report(summary, figures, MaxDropPoints));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Throws a <see cref="ProblemException"/> naming the first set on which INT8 loses more than <paramref name="maxDropPoints"/> points.</summary>
    public static void Check(IEnumerable<Int8Figures> figures, double maxDropPoints)
    {
        // Accuracies are ratios of counts: a drop of exactly the limit (one image in 200) is within it, whatever the rounding.
        if (figures.FirstOrDefault(f => f.DropPoints > maxDropPoints + 1e-9) is { } failed)
        {
            throw ProblemException.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"INT8 refused: on the {failed.Set} ({failed.Images} images) accuracy falls from {failed.Float32Accuracy * 100:0.0}% to {failed.Int8Accuracy * 100:0.0}%, " +
                $"{failed.DropPoints:0.0} points (at most {maxDropPoints} allowed); export without --int8 for the float model"));
        }
    }

    private static List<(string Sha, int Label)> Labelled(ModelVersion model, DatasetVersion version, Split? split)
    {
        var mapping = EvaluationService.MapClasses(model, version);
        return [.. version.Items.Where(i => split is null || i.Split == split).OrderBy(i => i.Sha256, StringComparer.Ordinal).Select(i => (i.Sha256, mapping[i.ClassIndex]))];
    }

    private static OnnxClassifierEngine Open(ModelProto model, string path)
    {
        using (var file = File.Create(path))
            model.WriteTo(file);
        return OnnxClassifierEngine.Open(path);
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
