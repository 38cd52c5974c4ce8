namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// The affine map from pixel (column, row) to world coordinates of a scene, as GeoTIFF defines it:
/// <c>x = X0 + Xc * col + Xr * row</c>, <c>y = Y0 + Yc * col + Yr * row</c>. Pixel (0, 0) is the outer corner of
/// the first pixel (pixel-is-area).
/// </summary>
public readonly record struct GeoTransform(double X0, double Xc, double Xr, double Y0, double Yc, double Yr)
{
    /// <summary>The world position of a pixel position.</summary>
    public (double X, double Y) ToWorld(double column, double row) =>
        (X0 + (Xc * column) + (Xr * row), Y0 + (Yc * column) + (Yr * row));

    /// <summary>The transform of a north-up scene: its top-left corner and pixel size (rows go south).</summary>
    public static GeoTransform NorthUp(double left, double top, double pixelWidth, double pixelHeight) =>
        new(left, pixelWidth, 0, top, 0, -pixelHeight);

    /// <summary>From ModelTiepointTag (I, J, K, X, Y, Z) and ModelPixelScaleTag (Sx, Sy, Sz).</summary>
    public static GeoTransform FromTiepoint(double i, double j, double x, double y, double scaleX, double scaleY) =>
        new(x - (i * scaleX), scaleX, 0, y + (j * scaleY), 0, -scaleY);

    /// <summary>From ModelTransformationTag: a 4x4 matrix, row by row.</summary>
    public static GeoTransform FromMatrix(IReadOnlyList<double> m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m[3], m[0], m[1], m[7], m[4], m[5]);
    }

    /// <summary>The same transform moved by a number of pixels (a raster-is-point tiepoint names the pixel's centre).</summary>
    public GeoTransform Shift(double columns, double rows)
    {
        var (x, y) = ToWorld(columns, rows);
        return this with { X0 = x, Y0 = y };
    }

    /// <summary>Whether the transform maps the pixel grid onto an area (not degenerate).</summary>
    public bool IsInvertible => Math.Abs((Xc * Yr) - (Xr * Yc)) > 1e-18 && double.IsFinite(X0) && double.IsFinite(Y0);
}
