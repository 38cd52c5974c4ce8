using System.Diagnostics;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.HeatMaps;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Explanations;

namespace VisionFactory.Factory.Evaluation.HeatMaps;

/// <summary>
/// Makes the heat-map check of an evaluation: a fixed stratified sample of the evaluated images (the first
/// <see cref="HeatMapThresholds.ImagesPerClass"/> of each class by sha256, so the same images every time), each
/// explained for its own class in batches, faces looked for on the same sample, and the figures of
/// <see cref="HeatMapFigures"/>.
/// </summary>
public sealed class HeatMapChecker(PixelSource pixels, IFaceLocator faces)
{
    // Maps are made on a grid twice as fine as the stored one, so the share inside a face box is measured closely.
    private const int WorkingGrid = HeatMapThresholds.GridSize * 2;

    // YuNet looks for faces of 10 pixels and more in a 320-pixel frame: tiny network inputs are too coarse for it.
    private const int FaceSide = 224;

    public HeatMapCheck Check(
        ClassifierNetwork network, IReadOnlyList<LabelledImage> images, IReadOnlyList<string> classes, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(classes);
        var clock = Stopwatch.StartNew();
        var sample = Sample(images);
        if (sample.Count == 0)
        {
            return Empty("no images to look at", clock);
        }

        var rgb = sample.Select(i => pixels.Get(i.Sha256, network.ImageSize, network.Fit)).ToList();
        EvidenceMaps maps;
        try
        {
            maps = ClassEvidenceMaps.Compute(network, rgb, [.. sample.Select(i => i.Label)], WorkingGrid, Math.Clamp(batchSize, 1, 32), cancellationToken);
        }
        catch (ProblemException e)
        {
            return Empty($"heat maps cannot be made for this network: {e.Message}", clock);
        }

        var note = faces.Unavailable is { } why ? $"faces were not looked for: {why}" : null;
        var boxes = note is null
            ? sample.Select(i => faces.Locate(pixels.Get(i.Sha256, Math.Max(FaceSide, network.ImageSize), network.Fit), Math.Max(FaceSide, network.ImageSize))).ToList()
            : [.. sample.Select(_ => (RegionBox?)null)];
        var sampled = sample.Select((image, n) => new SampledHeatMap(image.Label, maps.Maps[n], maps.Side, boxes[n])).ToList();
        return HeatMapFigures.Build(classes, sampled, ExplanationMethods.NameOf(maps.Method), maps.Layer, facesChecked: note is null) with
        {
            Note = note,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
        };
    }

    /// <summary>Up to <see cref="HeatMapThresholds.ImagesPerClass"/> images of each class, the first by sha256.</summary>
    public static List<LabelledImage> Sample(IEnumerable<LabelledImage> images) =>
        [.. images.GroupBy(i => i.Label)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.DistinctBy(i => i.Sha256).OrderBy(i => i.Sha256, StringComparer.Ordinal).Take(HeatMapThresholds.ImagesPerClass))];

    private static HeatMapCheck Empty(string note, Stopwatch clock) => new()
    {
        GridSize = HeatMapThresholds.GridSize,
        Method = "none",
        Layer = "",
        SampledImages = 0,
        Classes = [],
        Warnings = [],
        Note = note,
        Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
    };
}
