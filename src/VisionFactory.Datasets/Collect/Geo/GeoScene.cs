using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>One band of a scene: band <paramref name="Index"/> (0-based) of <paramref name="File"/>.</summary>
public sealed record GeoBand(string Name, GeoTiffFile File, int Index);

/// <summary>
/// A scene as a stack of bands on one pixel grid: the bands of one multi-band GeoTIFF, or single-band files laid on
/// top of each other (a STAC item's band assets). Bands are numbered from 1 in the order they are stacked.
/// </summary>
public sealed class GeoScene : IDisposable
{
    private readonly List<GeoTiffFile> files;

    private GeoScene(string name, List<GeoTiffFile> files, List<GeoBand> bands)
    {
        Name = name;
        this.files = files;
        Bands = bands;
        var first = files[0];
        Width = first.Width;
        Height = first.Height;
        Transform = first.Transform;
        Crs = first.Crs;
        NoData = first.NoData;
    }

    /// <summary>A short name used in chip names (the file name without extension, or the STAC item id).</summary>
    public string Name { get; }

    public int Width { get; }

    public int Height { get; }

    public IReadOnlyList<GeoBand> Bands { get; }

    public IReadOnlyList<GeoTiffFile> Files => files;

    public GeoTransform? Transform { get; }

    public GeoCrs? Crs { get; }

    public double? NoData { get; }

    /// <summary>Opens one GeoTIFF; its bands are the scene's.</summary>
    public static GeoScene Open(string path, GeoLimits limits) =>
        Stack(Path.GetFileNameWithoutExtension(path), [(Path.GetFileNameWithoutExtension(path), path)], limits);

    /// <summary>
    /// Stacks the bands of several GeoTIFFs in order (each file's bands after the previous file's). The files must
    /// share their size, georeferencing and CRS.
    /// </summary>
    public static GeoScene Stack(string name, IReadOnlyList<(string Name, string Path)> parts, GeoLimits limits)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw ProblemException.Invalid("a scene needs at least one GeoTIFF");
        }

        var files = new List<GeoTiffFile>();
        try
        {
            var bands = new List<GeoBand>();
            foreach (var (bandName, path) in parts)
            {
                var file = GeoTiffFile.Open(path, limits);
                files.Add(file);
                var first = files[0];
                if (file.Width != first.Width || file.Height != first.Height)
                {
                    throw ProblemException.Invalid(
                        $"'{Path.GetFileName(path)}' is {file.Width}x{file.Height} pixels but '{Path.GetFileName(first.Path)}' is {first.Width}x{first.Height}: " +
                        "stack bands of the same resolution (e.g. Sentinel-2's 10 m bands B2, B3, B4, B8)");
                }

                if (!SameGrid(file.Transform, first.Transform) || !Equals(file.Crs, first.Crs))
                {
                    throw ProblemException.Invalid($"'{Path.GetFileName(path)}' is not on the same grid or CRS as '{Path.GetFileName(first.Path)}'");
                }

                for (var b = 0; b < file.Bands; b++)
                {
                    bands.Add(new GeoBand(file.Bands == 1 ? bandName : $"{bandName}:{b + 1}", file, b));
                }
            }

            return new GeoScene(name, files, bands);
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
    }

    public void Dispose() => files.ForEach(f => f.Dispose());

    private static bool SameGrid(GeoTransform? a, GeoTransform? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        var (x, y) = (a.Value, b.Value);
        var tolerance = 1e-6 * (Math.Abs(x.Xc) + Math.Abs(x.Yr));
        return Math.Abs(x.X0 - y.X0) <= tolerance && Math.Abs(x.Y0 - y.Y0) <= tolerance
            && Math.Abs(x.Xc - y.Xc) <= tolerance && Math.Abs(x.Yr - y.Yr) <= tolerance
            && Math.Abs(x.Xr - y.Xr) <= tolerance && Math.Abs(x.Yc - y.Yc) <= tolerance;
    }
}
