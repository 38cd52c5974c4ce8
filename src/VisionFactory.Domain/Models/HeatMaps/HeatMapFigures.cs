using System.Globalization;

namespace VisionFactory.Domain.Models.HeatMaps;

/// <summary>
/// The limits of the heat-map check and why they are where they are. A map is a grid of
/// <see cref="GridSize"/> x <see cref="GridSize"/> cells over the picture the network sees.
/// </summary>
public static class HeatMapThresholds
{
    /// <summary>Side of the stored maps and of the grid the peaks are counted on.</summary>
    public const int GridSize = 14;

    /// <summary>Side of the square window the peaks are counted in: 3 x 3 of 14 x 14 cells is 4.6% of the frame.</summary>
    public const int WindowCells = 3;

    /// <summary>Images sampled per class (a fixed, stratified sample: the first by sha256), which bounds the check's cost.</summary>
    public const int ImagesPerClass = 32;

    /// <summary>
    /// A class's evidence sits on a fixed region when at least this share of its images peak in one window. Were the
    /// peaks spread evenly, a window would hold 4.6% of them; with 8 images, 4 or more in one of the 144 windows happens
    /// by chance about 4% of the time, with 16 images 8 or more almost never.
    /// </summary>
    public const double FixedRegionShare = 0.5;

    /// <summary>Fewer images of a class than this are too few to call a region fixed or a face share low.</summary>
    public const int MinimumImages = 8;

    /// <summary>
    /// A region is near the edge when it lies in the outer third of the frame on either axis (the frame read as a 3 x 3
    /// grid: four corners, four edges, the centre). A fixed region in the middle is where the object of a cropped photo
    /// usually is, so only one near an edge or corner is a warning.
    /// </summary>
    public const double EdgeBand = 1.0 / 3;

    /// <summary>The images are pictures of faces when a face is found in at least this share of the sample.</summary>
    public const double FaceDatasetShare = 0.7;

    /// <summary>Evidence lies outside the object when less than this share of it is inside the face box.</summary>
    public const double MinimumFaceShare = 0.5;
}

/// <summary>One sampled image's map for its own class.</summary>
/// <param name="ClassIndex">The image's class.</param>
/// <param name="Map">Non-negative evidence, Side x Side, row-major.</param>
/// <param name="Side">Side of <paramref name="Map"/>.</param>
/// <param name="Face">The detected face, or null where none was found or faces were not looked for.</param>
public sealed record SampledHeatMap(int ClassIndex, float[] Map, int Side, RegionBox? Face);

/// <summary>The figures and warnings of the heat-map check, from maps already made (pure: no network, no images).</summary>
public static class HeatMapFigures
{
    /// <summary>Builds the check from each sampled image's map.</summary>
    /// <param name="classes">The model's classes.</param>
    /// <param name="maps">One map per sampled image.</param>
    /// <param name="method">"cam" or "gradcam".</param>
    /// <param name="layer">The layer the maps come from.</param>
    /// <param name="facesChecked">Whether a face detector looked at the sample (the faces in <paramref name="maps"/> are then its findings).</param>
    public static HeatMapCheck Build(IReadOnlyList<string> classes, IReadOnlyList<SampledHeatMap> maps, string method, string layer, bool facesChecked)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(maps);
        const int grid = HeatMapThresholds.GridSize;
        double? faceImageShare = facesChecked && maps.Count > 0 ? maps.Count(m => m.Face is not null) / (double)maps.Count : null;
        bool? faces = faceImageShare is { } found ? found >= HeatMapThresholds.FaceDatasetShare : null;
        var perClass = new List<ClassHeatMap>();
        var warnings = new List<string>();
        for (var c = 0; c < classes.Count; c++)
        {
            var own = maps.Where(m => m.ClassIndex == c)
                .Select(m => (Sample: m, Distribution: ToDistribution(m.Map)))
                .Where(m => m.Distribution is not null)
                .ToList();
            var pooled = own.Select(m => Pool(m.Distribution!, m.Sample.Side, grid)).ToList();
            var mean = new float[grid * grid];
            foreach (var map in pooled)
            {
                for (var i = 0; i < mean.Length; i++)
                {
                    mean[i] += map[i] / pooled.Count;
                }
            }

            var highest = mean.Max();
            if (highest > 0)
            {
                for (var i = 0; i < mean.Length; i++)
                {
                    mean[i] /= highest;
                }
            }

            var (concentration, x, y) = PeakConcentration([.. pooled.Select(m => Peak(m, grid))], grid, HeatMapThresholds.WindowCells);
            var withFace = faces == true ? own.Where(m => m.Sample.Face is not null).ToList() : [];
            double? faceShare = withFace.Count > 0 ? withFace.Average(m => FaceShare(m.Distribution!, m.Sample.Side, m.Sample.Face!.Value)) : null;
            double? faceArea = withFace.Count > 0 ? withFace.Average(m => m.Sample.Face!.Value.Area) : null;
            var region = RegionName(x, y);
            perClass.Add(new ClassHeatMap(classes[c], own.Count, mean, concentration, x, y, region, faceShare, faceArea, withFace.Count));

            // In a dataset of faces the object's place is measured: a fixed spot that lies on the faces (a face crop's
            // mouth is in the same place in every picture) is the object itself, and evidence off the face is warned
            // about below. The masks corpus's head-only model looks at the mouth, near the bottom edge of every crop.
            var onTheFace = faceShare is { } onFace && withFace.Count >= HeatMapThresholds.MinimumImages && onFace >= HeatMapThresholds.MinimumFaceShare;
            if (own.Count >= HeatMapThresholds.MinimumImages && concentration >= HeatMapThresholds.FixedRegionShare && region != "centre" && !onTheFace)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"The evidence for '{classes[c]}' sits on a fixed spot near the {region} of the picture: in {concentration:P0} of its images " +
                    $"the strongest evidence falls in the same small area (about 5% of the frame), wherever the object is. The model may have " +
                    $"learnt a mark, border, watermark or background that only '{classes[c]}' images share instead of the object; check those images."));
            }

            if (faceShare is { } share && withFace.Count >= HeatMapThresholds.MinimumImages && share < HeatMapThresholds.MinimumFaceShare)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Only {share:P0} of the evidence for '{classes[c]}' lies on the face (the face covers {faceArea:P0} of the picture): the model " +
                    $"decides mostly from what surrounds the face (background, clothing, borders), which other cameras and places will not reproduce."));
            }
        }

        return new HeatMapCheck
        {
            GridSize = grid,
            Method = method,
            Layer = layer,
            SampledImages = maps.Count,
            Classes = perClass,
            Faces = faces,
            FaceImageShare = faceImageShare,
            Warnings = warnings,
        };
    }

    /// <summary>The map with negative values cut to zero, scaled to sum 1; null where it holds no evidence at all.</summary>
    public static float[]? ToDistribution(float[] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        double total = 0;
        foreach (var v in map)
        {
            total += float.IsFinite(v) && v > 0 ? v : 0;
        }

        if (!(total > 0) || !double.IsFinite(total))
        {
            return null;
        }

        return [.. map.Select(v => float.IsFinite(v) && v > 0 ? (float)(v / total) : 0f)];
    }

    /// <summary>Sums a side x side map into to x to cells (each output cell sums the input cells whose centres fall in it).</summary>
    public static float[] Pool(float[] map, int side, int to)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfNotEqual(map.Length, side * side);
        var pooled = new float[to * to];
        for (var r = 0; r < side; r++)
        {
            var row = Math.Min(to - 1, (int)((r + 0.5) * to / side));
            for (var c = 0; c < side; c++)
            {
                pooled[(row * to) + Math.Min(to - 1, (int)((c + 0.5) * to / side))] += map[(r * side) + c];
            }
        }

        return pooled;
    }

    /// <summary>The cell holding the largest value (the first, reading row by row, on ties).</summary>
    public static (int Row, int Column) Peak(float[] map, int side)
    {
        ArgumentNullException.ThrowIfNull(map);
        var best = 0;
        for (var i = 1; i < map.Length; i++)
        {
            if (map[i] > map[best])
            {
                best = i;
            }
        }

        return (best / side, best % side);
    }

    /// <summary>
    /// The largest share of the peaks inside one window x window square of the side x side grid, and where those peaks lie
    /// on average, as fractions of the frame (0.5, 0.5 and a share of 0 when there are no peaks).
    /// </summary>
    public static (double Share, double X, double Y) PeakConcentration(IReadOnlyList<(int Row, int Column)> peaks, int side, int window)
    {
        ArgumentNullException.ThrowIfNull(peaks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, side);
        if (peaks.Count == 0)
        {
            return (0, 0.5, 0.5);
        }

        var (bestCount, bestRow, bestColumn) = (-1, 0, 0);
        for (var top = 0; top <= side - window; top++)
        {
            for (var left = 0; left <= side - window; left++)
            {
                var count = peaks.Count(p => p.Row >= top && p.Row < top + window && p.Column >= left && p.Column < left + window);
                if (count > bestCount)
                {
                    (bestCount, bestRow, bestColumn) = (count, top, left);
                }
            }
        }

        // Where the peaks in that window are: their mean cell centre, as fractions of the frame.
        var inside = peaks.Where(p => p.Row >= bestRow && p.Row < bestRow + window && p.Column >= bestColumn && p.Column < bestColumn + window).ToList();
        return (bestCount / (double)peaks.Count, inside.Average(p => p.Column + 0.5) / side, inside.Average(p => p.Row + 0.5) / side);
    }

    /// <summary>Share of a distribution (summing to 1) over a side x side grid that lies inside the box, cells counted by their overlap.</summary>
    public static double FaceShare(float[] distribution, int side, RegionBox box)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        double inside = 0;
        double total = 0;
        for (var r = 0; r < side; r++)
        {
            var rows = Overlap(r / (double)side, (r + 1) / (double)side, box.Y, box.Y + box.Height) * side;
            for (var c = 0; c < side; c++)
            {
                var value = distribution[(r * side) + c];
                total += value;
                if (rows > 0)
                {
                    inside += value * rows * Overlap(c / (double)side, (c + 1) / (double)side, box.X, box.X + box.Width) * side;
                }
            }
        }

        return total > 0 ? inside / total : 0;
    }

    /// <summary>"centre", "left edge", "top-right corner", ...: where a point (fractions of the frame) lies.</summary>
    public static string RegionName(double x, double y)
    {
        var horizontal = x < HeatMapThresholds.EdgeBand ? "left" : x > 1 - HeatMapThresholds.EdgeBand ? "right" : null;
        var vertical = y < HeatMapThresholds.EdgeBand ? "top" : y > 1 - HeatMapThresholds.EdgeBand ? "bottom" : null;
        return (vertical, horizontal) switch
        {
            (null, null) => "centre",
            ({ } v, { } h) => $"{v}-{h} corner",
            ({ } v, null) => $"{v} edge",
            (null, { } h) => $"{h} edge",
        };
    }

    private static double Overlap(double start, double end, double from, double to) => Math.Max(0, Math.Min(end, to) - Math.Max(start, from));
}
