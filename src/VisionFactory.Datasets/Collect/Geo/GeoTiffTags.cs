using System.Globalization;
using BitMiracle.LibTiff.Classic;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// The GeoTIFF tags (ModelPixelScale 33550, ModelTiepoint 33922, ModelTransformation 34264, GeoKeyDirectory 34735,
/// GeoDoubleParams 34736, GeoAsciiParams 34737) and GDAL's no-data tag (42113): registered with LibTiff so they are
/// read and written as known fields, and turned into a transform, a CRS and a no-data value.
/// </summary>
public static class GeoTiffTags
{
    public const TiffTag ModelPixelScale = (TiffTag)33550;
    public const TiffTag ModelTiepoint = (TiffTag)33922;
    public const TiffTag ModelTransformation = (TiffTag)34264;
    public const TiffTag GeoKeyDirectory = (TiffTag)34735;
    public const TiffTag GeoDoubleParams = (TiffTag)34736;
    public const TiffTag GeoAsciiParams = (TiffTag)34737;
    public const TiffTag GdalNoData = (TiffTag)42113;

    private const int ModelTypeKey = 1024;
    private const int RasterTypeKey = 1025;
    private const int GeographicTypeKey = 2048;
    private const int ProjectedTypeKey = 3072;
    private const int UserDefined = 32767;
    private static readonly Lock Gate = new();
    private static bool registered;
    private static Tiff.TiffExtendProc? parent;

    [ThreadStatic]
    private static string? lastError;

    /// <summary>The last error LibTiff reported on this thread.</summary>
    public static string? LastError => lastError;

    /// <summary>Registers the tags and a quiet error handler with LibTiff (once per process).</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (registered)
            {
                return;
            }

            Tiff.SetErrorHandler(new QuietErrorHandler());
            parent = Tiff.SetTagExtender(Extend);
            registered = true;
        }
    }

    /// <summary>The transform, CRS and no-data value a file's tags describe.</summary>
    internal static (GeoTransform? Transform, GeoCrs? Crs, double? NoData) Read(Tiff tiff, string name)
    {
        var keys = Keys(tiff);
        var scale = Doubles(tiff, ModelPixelScale);
        var tiepoint = Doubles(tiff, ModelTiepoint);
        var matrix = Doubles(tiff, ModelTransformation);
        GeoTransform? transform = null;
        if (matrix is { Length: >= 16 })
        {
            transform = GeoTransform.FromMatrix(matrix);
        }
        else if (tiepoint is { Length: >= 6 } && scale is { Length: >= 2 })
        {
            if (tiepoint.Length > 6)
            {
                throw ProblemException.Invalid($"'{name}' is georeferenced by {tiepoint.Length / 6} ground control points; only an affine grid (one tiepoint and a pixel scale, or a transformation matrix) is supported");
            }

            transform = GeoTransform.FromTiepoint(tiepoint[0], tiepoint[1], tiepoint[3], tiepoint[4], scale[0], scale[1]);
        }

        if (transform is { } t)
        {
            if (!t.IsInvertible)
            {
                throw ProblemException.Invalid($"'{name}' has a degenerate georeferencing (a pixel of no area)");
            }

            // Pixel-is-point: the tiepoint names a pixel's centre, so the grid's corner lies half a pixel before it.
            if (keys.TryGetValue(RasterTypeKey, out var rasterType) && rasterType == 2)
            {
                transform = t.Shift(-0.5, -0.5);
            }
        }

        GeoCrs? crs = null;
        var modelType = keys.GetValueOrDefault(ModelTypeKey);
        var code = modelType == 2 ? keys.GetValueOrDefault(GeographicTypeKey) : keys.GetValueOrDefault(ProjectedTypeKey);
        if (code == 0)
        {
            code = keys.GetValueOrDefault(ProjectedTypeKey, keys.GetValueOrDefault(GeographicTypeKey));
        }

        if (code is > 0 and not UserDefined)
        {
            crs = GeoCrs.FromEpsg(code);
        }

        double? noData = null;
        if (tiff.GetField(GdalNoData) is { Length: > 0 } field)
        {
            var text = field[^1].Value is byte[] bytes ? System.Text.Encoding.ASCII.GetString(bytes) : field[^1].ToString();
            if (double.TryParse(text?.Trim('\0', ' '), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                noData = value;
            }
        }

        return (transform, crs, noData);
    }

    /// <summary>Writes the tags of a north-up scene in <paramref name="crs"/> (used to make scenes in tests and benchmarks).</summary>
    public static void Write(Tiff tiff, GeoTransform transform, GeoCrs crs, double? noData = null)
    {
        ArgumentNullException.ThrowIfNull(tiff);
        ArgumentNullException.ThrowIfNull(crs);
        EnsureRegistered();
        if (transform.Xr == 0 && transform.Yc == 0)
        {
            tiff.SetField(ModelPixelScale, 3, new[] { transform.Xc, -transform.Yr, 0.0 });
            tiff.SetField(ModelTiepoint, 6, new[] { 0.0, 0, 0, transform.X0, transform.Y0, 0 });
        }
        else
        {
            tiff.SetField(ModelTransformation, 16, new[]
            {
                transform.Xc, transform.Xr, 0, transform.X0,
                transform.Yc, transform.Yr, 0, transform.Y0,
                0, 0, 0, 0,
                0, 0, 0, 1.0,
            });
        }

        var geographic = crs.IsGeographic;
        var epsg = (short)(crs.Epsg ?? UserDefined);
        short[] directory =
        [
            1, 1, 0, 3,
            ModelTypeKey, 0, 1, (short)(geographic ? 2 : 1),
            RasterTypeKey, 0, 1, 1,
            (short)(geographic ? GeographicTypeKey : ProjectedTypeKey), 0, 1, epsg,
        ];
        tiff.SetField(GeoKeyDirectory, directory.Length, directory);
        if (noData is { } value)
        {
            tiff.SetField(GdalNoData, value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static Dictionary<int, int> Keys(Tiff tiff)
    {
        var keys = new Dictionary<int, int>();
        if (tiff.GetField(GeoKeyDirectory) is not { Length: > 0 } field || field[^1].ToShortArray() is not { Length: >= 4 } raw)
        {
            return keys;
        }

        var count = Math.Min((ushort)raw[3], (raw.Length / 4) - 1);
        for (var i = 1; i <= count; i++)
        {
            // Only values held in the directory itself (location 0) are short keys: the CRS codes and model types.
            if (raw[(i * 4) + 1] == 0)
            {
                keys[(ushort)raw[i * 4]] = (ushort)raw[(i * 4) + 3];
            }
        }

        return keys;
    }

    private static double[]? Doubles(Tiff tiff, TiffTag tag) =>
        tiff.GetField(tag) is { Length: > 0 } field ? field[^1].ToDoubleArray() : null;

    private static void Extend(Tiff tiff)
    {
        TiffFieldInfo[] fields =
        [
            new(ModelPixelScale, -1, -1, TiffType.DOUBLE, FieldBit.Custom, true, true, "ModelPixelScaleTag"),
            new(ModelTiepoint, -1, -1, TiffType.DOUBLE, FieldBit.Custom, true, true, "ModelTiepointTag"),
            new(ModelTransformation, -1, -1, TiffType.DOUBLE, FieldBit.Custom, true, true, "ModelTransformationTag"),
            new(GeoKeyDirectory, -1, -1, TiffType.SHORT, FieldBit.Custom, true, true, "GeoKeyDirectoryTag"),
            new(GeoDoubleParams, -1, -1, TiffType.DOUBLE, FieldBit.Custom, true, true, "GeoDoubleParamsTag"),
            new(GeoAsciiParams, -1, -1, TiffType.ASCII, FieldBit.Custom, true, false, "GeoAsciiParamsTag"),
            new(GdalNoData, -1, -1, TiffType.ASCII, FieldBit.Custom, true, false, "GDAL_NODATA"),
        ];
        tiff.MergeFieldInfo(fields, fields.Length);
        parent?.Invoke(tiff);
    }

    // LibTiff writes errors and warnings to the console by default; here they become the message of the failure.
    private sealed class QuietErrorHandler : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
            lastError = args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args);

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }
    }
}
