using System.Buffers;
using System.Globalization;
using NetTopologySuite.Geometries;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Encoding;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// Chips of one or more scenes as an import source: each chip is a PNG named <c>class/scene_x{col}_y{row}.png</c>,
/// cut when the importer reads it. Chips are labelled from their footprint before any pixel is read; chips that hold
/// too little data are skipped when cut, with the reason. Owns its scenes (and a download folder, when given).
/// </summary>
public sealed class GeoSource : ImportSource
{
    private readonly List<GeoScene> scenes;
    private readonly Dictionary<string, (SceneChipper Chipper, ChipWindow Chip)> chips = new(StringComparer.Ordinal);
    private readonly List<SkippedFile> refused = [];
    private readonly List<string> order = [];
    private readonly string? ownedFolder;

    private GeoSource(List<GeoScene> scenes, string description, string? ownedFolder)
    {
        this.scenes = scenes;
        this.ownedFolder = ownedFolder;
        Description = description;
    }

    public override string Description { get; }

    // Row by row, as the chips were planned: neighbouring chips share tiles and strips, so the block cache serves them.
    public override IReadOnlyList<SourceFile> Files => order.Select(k => new SourceFile(k, 0)).ToList();

    // Classes come from the chips actually imported: a label class none of whose chips survive is not an error.
    public override IReadOnlyList<string> ClassFolders => [];

    public override IReadOnlyList<SkippedFile> Refused => refused;

    /// <summary>The scenes, in order.</summary>
    public IReadOnlyList<GeoScene> Scenes => scenes;

    /// <summary>The chippers of the scenes, in order (the stretch and bands each uses).</summary>
    public IReadOnlyList<SceneChipper> Chippers { get; private set; } = [];

    /// <summary>Opens GeoTIFF files as one scene each.</summary>
    public static GeoSource Open(IReadOnlyList<string> paths, GeoImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        var scenes = new List<GeoScene>();
        try
        {
            foreach (var path in paths)
            {
                scenes.Add(GeoScene.Open(path, options.Limits));
            }
        }
        catch
        {
            scenes.ForEach(s => s.Dispose());
            throw;
        }

        return Open(scenes, options, null);
    }

    /// <summary>Cuts <paramref name="scenes"/> (taking them over); <paramref name="ownedFolder"/> is deleted on dispose.</summary>
    public static GeoSource Open(List<GeoScene> scenes, GeoImportOptions options, string? ownedFolder)
    {
        ArgumentNullException.ThrowIfNull(scenes);
        ArgumentNullException.ThrowIfNull(options);
        var source = new GeoSource(scenes, Describe(scenes, options), ownedFolder);
        try
        {
            options.Check();
            var labels = options.LabelsPath is { } labelsPath
                ? GeoLabels.Load(labelsPath, options.LabelProperty, options.LabelsCrs is { } crs ? GeoCrs.Parse(crs) : null)
                : null;
            source.Chippers = scenes.Select(scene => source.Add(scene, options, labels)).ToList();
            if (source.chips.Count > options.Limits.MaxChips)
            {
                throw ProblemException.Invalid($"the scenes make {source.chips.Count:N0} chips; one import may cut at most {options.Limits.MaxChips:N0} (use a larger --stride)");
            }

            if (source.chips.Count == 0 && labels is not null)
            {
                throw ProblemException.Invalid(
                    $"no chip is covered by the polygons of '{labels.File}' for at least {options.MinOverlap * 100:0.#}% of its area: check that the labels lie on the scene " +
                    $"(scene in {scenes[0].Crs?.Name ?? "an unknown CRS"}, labels in {labels.Crs?.Name ?? "the scene's CRS"}), lower --min-overlap, or keep unlabelled chips");
            }

            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public override Task<byte[]> ReadAsync(SourceFile file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        cancellationToken.ThrowIfCancellationRequested();
        var (chipper, chip) = chips[file.RelativePath];
        var size = chipper.Options.Size;
        var rgb = ArrayPool<byte>.Shared.Rent(size * size * 3);
        try
        {
            double noData;
            try
            {
                noData = chipper.Cut(chip, rgb);
            }
            catch (InvalidDataException e)
            {
                throw new ImageRejectedException(e.Message, e);
            }

            if (noData > chipper.Options.MaxNoData)
            {
                throw new ImageRejectedException(string.Create(CultureInfo.InvariantCulture,
                    $"{noData * 100:0.#}% of the chip holds no data (more than {chipper.Options.MaxNoData * 100:0.#}%)"));
            }

            return Task.FromResult(RawImage.EncodePng(rgb.AsSpan(0, size * size * 3), size, size, 3));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgb);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            scenes.ForEach(s => s.Dispose());
            if (ownedFolder is not null && Directory.Exists(ownedFolder))
            {
                Directory.Delete(ownedFolder, recursive: true);
            }
        }

        base.Dispose(disposing);
    }

    private static string Describe(List<GeoScene> scenes, GeoImportOptions options)
    {
        var chips = options.Chips;
        var scene = scenes.Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"{scenes[0].Name} ({scenes[0].Width}x{scenes[0].Height}, {scenes[0].Bands.Count} bands, {scenes[0].Crs?.Name ?? "no CRS"})")
            : string.Create(CultureInfo.InvariantCulture, $"{scenes.Count} scenes");
        var stretch = chips.Stretch ? string.Create(CultureInfo.InvariantCulture, $"stretch {chips.StretchLow:0.#}-{chips.StretchHigh:0.#}%") : "no stretch";
        var labels = options.LabelsPath is { } path ? $"labels {Path.GetFileName(path)}:{options.LabelProperty}" : $"class {options.Class}";
        return string.Create(CultureInfo.InvariantCulture,
            $"geo: {scene}, bands {string.Join(",", chips.Bands ?? [])}{(chips.Bands is null ? "default" : "")}, {stretch}, {chips.Size} px chips every {chips.EffectiveStride} px, {labels}");
    }

    private SceneChipper Add(GeoScene scene, GeoImportOptions options, GeoLabels? labels)
    {
        var chipper = new SceneChipper(scene, options.Chips);
        var grid = chipper.Grid(out var partial);
        var size = options.Chips.Size;
        foreach (var chip in partial)
        {
            refused.Add(new SkippedFile(ChipName(scene, chip), string.Create(CultureInfo.InvariantCulture,
                $"partial chip at the scene's edge ({Math.Min(size, scene.Width - chip.X)}x{Math.Min(size, scene.Height - chip.Y)} px of {size}); keep such chips with --keep-partial")));
        }

        GeoLabelIndex? index = null;
        if (labels is not null)
        {
            if (scene.Transform is null)
            {
                throw ProblemException.Invalid($"'{scene.Name}' carries no georeferencing (ModelTiepoint / ModelTransformation tags), so label polygons cannot be placed on it");
            }

            index = labels.For(scene.Crs);
        }

        var factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory();
        foreach (var chip in grid)
        {
            string className;
            if (index is null)
            {
                className = options.Class!;
            }
            else
            {
                var footprint = Footprint(factory, scene.Transform!.Value, chip, size);
                var (label, share) = index.Assign(footprint);
                if (label is not null && share >= options.MinOverlap)
                {
                    className = label;
                }
                else if (options.KeepUnlabelled)
                {
                    className = options.UnlabelledClass;
                }
                else
                {
                    refused.Add(new SkippedFile(ChipName(scene, chip), label is null
                        ? "no label polygon covers the chip"
                        : string.Create(CultureInfo.InvariantCulture, $"'{label}' covers only {share * 100:0.#}% of the chip (at least {options.MinOverlap * 100:0.#}% is needed)")));
                    continue;
                }
            }

            var name = $"{className}/{ChipName(scene, chip)}";
            chips[name] = (chipper, chip);
            order.Add(name);
        }

        return chipper;
    }

    private static string ChipName(GeoScene scene, ChipWindow chip)
    {
        var safe = new string(scene.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(80).ToArray());
        return string.Create(CultureInfo.InvariantCulture, $"{safe}_x{chip.X}_y{chip.Y}.png");
    }

    // The chip's four corners through the scene's transform: a parallelogram in the scene's CRS.
    private static Polygon Footprint(GeometryFactory factory, GeoTransform transform, ChipWindow chip, int size)
    {
        Coordinate Corner(int dx, int dy)
        {
            var (x, y) = transform.ToWorld(chip.X + dx, chip.Y + dy);
            return new Coordinate(x, y);
        }

        var ring = new[] { Corner(0, 0), Corner(size, 0), Corner(size, size), Corner(0, size), Corner(0, 0) };
        return factory.CreatePolygon(ring);
    }
}
