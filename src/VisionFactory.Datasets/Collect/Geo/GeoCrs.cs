using System.Globalization;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>
/// A coordinate reference system: an EPSG code, or a WKT definition (a shapefile's .prj). ProjNET carries no EPSG
/// database, so codes are mapped to its built-in systems: WGS 84 (4326), Web Mercator (3857) and the WGS 84 UTM zones
/// (32601-32660 north, 32701-32760 south). Other codes need their WKT.
/// </summary>
public sealed record GeoCrs
{
    private GeoCrs(int? epsg, string? wkt, CoordinateSystem system)
    {
        Epsg = epsg;
        Wkt = wkt;
        System = system;
    }

    /// <summary>WGS 84 longitude / latitude, the CRS of GeoJSON.</summary>
    public static GeoCrs Wgs84 { get; } = FromEpsg(4326);

    public int? Epsg { get; }

    public string? Wkt { get; }

    internal CoordinateSystem System { get; }

    /// <summary>"EPSG:32632" or the WKT's name.</summary>
    public string Name => Epsg is { } code ? string.Create(CultureInfo.InvariantCulture, $"EPSG:{code}") : System.Name;

    /// <summary>Whether the CRS is longitude / latitude in degrees.</summary>
    public bool IsGeographic => System is GeographicCoordinateSystem;

    public static GeoCrs FromEpsg(int code) => new(code, null, code switch
    {
        4326 => GeographicCoordinateSystem.WGS84,
        3857 or 3785 or 900913 => ProjectedCoordinateSystem.WebMercator,
        >= 32601 and <= 32660 => ProjectedCoordinateSystem.WGS84_UTM(code - 32600, true),
        >= 32701 and <= 32760 => ProjectedCoordinateSystem.WGS84_UTM(code - 32700, false),
        _ => throw ProblemException.Invalid(
            $"EPSG:{code} is not a coordinate system this import knows: use WGS 84 (EPSG:4326), Web Mercator (EPSG:3857) or a " +
            "WGS 84 UTM zone (EPSG:326xx / 327xx), or give the labels with a .prj file describing their system"),
    });

    /// <summary>Parses "EPSG:32632", "epsg:4326" or "32632".</summary>
    public static GeoCrs Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = text.Trim();
        if (digits.StartsWith("EPSG:", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[5..];
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? FromEpsg(code)
            : throw ProblemException.Invalid($"'{text}' is not an EPSG code (write e.g. EPSG:32632)");
    }

    /// <summary>A CRS from its WKT (as in a shapefile's .prj); <paramref name="where"/> names the file for messages.</summary>
    public static GeoCrs FromWkt(string wkt, string where)
    {
        ArgumentNullException.ThrowIfNull(wkt);
        try
        {
            var system = new CoordinateSystemFactory().CreateFromWkt(wkt);
            return system is GeographicCoordinateSystem or ProjectedCoordinateSystem
                ? new GeoCrs(EpsgOf(system), wkt, system)
                : throw ProblemException.Invalid($"{where} describes a {system.GetType().Name}; a geographic or projected system is needed");
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or FormatException or InvalidOperationException or NullReferenceException)
        {
            throw ProblemException.Invalid($"{where} does not hold a coordinate system WKT this import can read: {e.Message}");
        }
    }

    /// <summary>A function moving (x, y) from this CRS to <paramref name="target"/>; null when both are the same.</summary>
    public Func<double, double, (double X, double Y)>? To(GeoCrs target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if ((Epsg is { } a && target.Epsg == a) || ReferenceEquals(this, target) || System.EqualParams(target.System))
        {
            return null;
        }

        var transform = new CoordinateTransformationFactory().CreateFromCoordinateSystems(System, target.System).MathTransform;
        return (x, y) => transform.Transform(x, y);
    }

    public bool Equals(GeoCrs? other) => other is not null && Epsg == other.Epsg && Wkt == other.Wkt;

    public override int GetHashCode() => HashCode.Combine(Epsg, Wkt);

    public override string ToString() => Name;

    private static int? EpsgOf(CoordinateSystem system) =>
        string.Equals(system.Authority, "EPSG", StringComparison.OrdinalIgnoreCase) && system.AuthorityCode > 0 ? (int)system.AuthorityCode : null;
}
