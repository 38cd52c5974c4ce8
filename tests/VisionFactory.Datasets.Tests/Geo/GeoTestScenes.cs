using System.Globalization;
using System.Text;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Geo;

/// <summary>Small generated scenes and label files for the geo import tests.</summary>
internal static class GeoTestScenes
{
    /// <summary>UTM zone 32 north, where the test scenes lie (near 9 degrees east, 45 north).</summary>
    public static GeoCrs Utm32 { get; } = GeoCrs.FromEpsg(32632);

    /// <summary>The test scenes' top-left corner and 10 m pixels.</summary>
    public static GeoTransform Grid { get; } = GeoTransform.NorthUp(500_000, 5_000_000, 10, 10);

    /// <summary>Band 1: 50 x; band 2: 50 y; band 3: 20 (x + y); band 4: 1000 + 10 (x mod 100).</summary>
    public static double Value(int band, int x, int y) => band switch
    {
        0 => x * 50,
        1 => y * 50,
        2 => (x + y) * 20,
        _ => 1000 + ((x % 100) * 10),
    };

    public static string Write(string folder, string name, GeoTiffSpec spec, Func<int, int, int, double>? value = null)
    {
        var path = Path.Combine(folder, name);
        SyntheticGeoTiff.Write(path, spec, value ?? Value);
        return path;
    }

    /// <summary>
    /// A GeoJSON (WGS 84) of polygons given in the scene's UTM metres (x from the scene's left edge, as spans of x over the
    /// whole scene height), each with its class under <paramref name="property"/>.
    /// </summary>
    public static string LabelsGeoJson(string folder, string property, params (string Class, double FromMetres, double ToMetres)[] strips)
    {
        var toWgs84 = Utm32.To(GeoCrs.Wgs84)!;
        var features = strips.Select(s =>
        {
            var ring = Rectangle(s.FromMetres, s.ToMetres).Select(p => toWgs84(p.X, p.Y)).Select(p => string.Create(CultureInfo.InvariantCulture, $"[{p.X:R},{p.Y:R}]"));
            return $$$"""{"type":"Feature","properties":{"{{{property}}}":"{{{s.Class}}}","id":7},"geometry":{"type":"Polygon","coordinates":[[{{{string.Join(",", ring)}}}]]}}""";
        });
        var path = Path.Combine(folder, "labels.geojson");
        File.WriteAllText(path, $$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""", Encoding.UTF8);
        return path;
    }

    /// <summary>The corners (closed ring) of a strip of the scene from <paramref name="from"/> to <paramref name="to"/> metres east of its left edge, a little taller than the scene.</summary>
    public static IReadOnlyList<(double X, double Y)> Rectangle(double from, double to)
    {
        var (left, top) = (Grid.X0, Grid.Y0);
        return [(left + from, top + 100), (left + to, top + 100), (left + to, top - 5300), (left + from, top - 5300), (left + from, top + 100)];
    }
}
