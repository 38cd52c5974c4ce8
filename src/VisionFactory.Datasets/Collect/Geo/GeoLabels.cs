using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.IO.Esri;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>One labelled polygon.</summary>
public sealed record LabelPolygon(string Class, Geometry Geometry);

/// <summary>
/// Label polygons from a GeoJSON file (in WGS 84, as RFC 7946 says, unless told otherwise) or an Esri shapefile (in the
/// CRS its .prj describes), each with the class named by one property. Points and lines are ignored.
/// </summary>
public sealed class GeoLabels
{
    /// <summary>Largest labels file read.</summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>Most polygons read.</summary>
    public const int MaxPolygons = 1_000_000;

    private GeoLabels(string file, GeoCrs? crs, List<LabelPolygon> polygons)
    {
        File = file;
        Crs = crs;
        Polygons = polygons;
    }

    public string File { get; }

    /// <summary>The CRS of the polygons; null when a shapefile came without .prj (then the scene's CRS is assumed).</summary>
    public GeoCrs? Crs { get; }

    public IReadOnlyList<LabelPolygon> Polygons { get; }

    public IReadOnlyList<string> Classes => Polygons.Select(p => p.Class).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Reads <paramref name="path"/> (.geojson, .json or .shp) with the class in <paramref name="property"/>.</summary>
    public static GeoLabels Load(string path, string property, GeoCrs? crs = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(property);
        var name = Path.GetFileName(path);
        if (!System.IO.File.Exists(path))
        {
            throw ProblemException.NotFound($"the labels file '{path}' does not exist");
        }

        if (new FileInfo(path).Length > MaxBytes)
        {
            throw ProblemException.Invalid($"the labels file '{name}' is larger than {MaxBytes >> 20} MiB, the limit");
        }

        var shapefile = path.EndsWith(".shp", StringComparison.OrdinalIgnoreCase);
        var features = shapefile ? ReadShapefile(path, name, ref crs) : ReadGeoJson(path, name);
        crs ??= shapefile ? null : GeoCrs.Wgs84;
        if (features.Count > MaxPolygons)
        {
            throw ProblemException.Invalid($"'{name}' holds {features.Count:N0} features; the limit is {MaxPolygons:N0}");
        }

        var polygons = new List<LabelPolygon>();
        var seenProperties = new SortedSet<string>(StringComparer.Ordinal);
        var withProperty = 0;
        for (var i = 0; i < features.Count; i++)
        {
            var feature = features[i];
            if (feature.Attributes is { } attributes)
            {
                seenProperties.UnionWith(attributes.GetNames());
            }

            var value = feature.Attributes is { } a && a.Exists(property) ? a[property] : null;
            if (value is null)
            {
                continue;
            }

            withProperty++;
            if (feature.Geometry is not (Polygon or MultiPolygon) || feature.Geometry.IsEmpty)
            {
                continue;
            }

            var label = Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim();
            if (DatasetEditor.ValidateClassName(label) is { } problem)
            {
                throw ProblemException.Invalid($"'{name}', feature {i + 1}: its '{property}' gives no usable class: {problem}");
            }

            var geometry = feature.Geometry.IsValid ? feature.Geometry : GeometryFixer.Fix(feature.Geometry);
            polygons.Add(new LabelPolygon(label!, geometry));
        }

        if (withProperty == 0)
        {
            throw ProblemException.Invalid(seenProperties.Count == 0
                ? $"no feature in '{name}' has the property '{property}' (the features carry no properties at all)"
                : $"no feature in '{name}' has the property '{property}'; its features have: {string.Join(", ", seenProperties.Take(20))}. Choose one with --label-property");
        }

        if (polygons.Count == 0)
        {
            throw ProblemException.Invalid($"'{name}' has no polygons with a '{property}' (points and lines cannot label chips)");
        }

        return new GeoLabels(name, crs, polygons);
    }

    /// <summary>The polygons moved into the scene's CRS (<paramref name="sceneCrs"/>) and indexed (STRtree) for overlap queries.</summary>
    public GeoLabelIndex For(GeoCrs? sceneCrs)
    {
        var source = Crs ?? sceneCrs;
        Func<double, double, (double X, double Y)>? move = null;
        if (source is not null && sceneCrs is not null)
        {
            move = source.To(sceneCrs);
        }
        else if (Crs is not null && sceneCrs is null)
        {
            throw ProblemException.Invalid(
                $"the scene names no coordinate system this import knows, so the labels of '{File}' ({Crs.Name}) cannot be moved onto it");
        }

        var tree = new STRtree<(string Class, IPreparedGeometry Prepared)>();
        foreach (var polygon in Polygons)
        {
            var geometry = polygon.Geometry;
            if (move is not null)
            {
                geometry = geometry.Copy();
                geometry.Apply(new Reprojection(move));
                geometry.GeometryChanged();
                if (!geometry.IsValid)
                {
                    geometry = GeometryFixer.Fix(geometry);
                }
            }

            tree.Insert(geometry.EnvelopeInternal, (polygon.Class, PreparedGeometryFactory.Prepare(geometry)));
        }

        tree.Build();
        return new GeoLabelIndex(tree);
    }

    private static List<IFeature> ReadGeoJson(string path, string name)
    {
        var options = new JsonSerializerOptions { MaxDepth = 256 };
        options.Converters.Add(new GeoJsonConverterFactory());
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
            var type = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            return type switch
            {
                "FeatureCollection" => document.RootElement.Deserialize<FeatureCollection>(options)?.ToList() ?? [],
                "Feature" => document.RootElement.Deserialize<IFeature>(options) is { } one ? [one] : [],
                _ => throw ProblemException.Invalid($"'{name}' is not a GeoJSON FeatureCollection or Feature"),
            };
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid($"'{name}' is not valid GeoJSON: {e.Message}");
        }
    }

    private static List<IFeature> ReadShapefile(string path, string name, ref GeoCrs? crs)
    {
        var prj = Path.ChangeExtension(path, ".prj");
        if (crs is null && System.IO.File.Exists(prj))
        {
            crs = GeoCrs.FromWkt(System.IO.File.ReadAllText(prj), $"'{Path.GetFileName(prj)}'");
        }

        try
        {
            return Shapefile.ReadAllFeatures(path).Cast<IFeature>().ToList();
        }
        catch (Exception e) when (e is ShapefileException or IOException or InvalidDataException or ArgumentException or NotSupportedException or EndOfStreamException)
        {
            throw ProblemException.Invalid($"'{name}' is not a readable shapefile (with its .dbf beside it): {e.Message}");
        }
    }

    private sealed class Reprojection(Func<double, double, (double X, double Y)> move) : ICoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i)
        {
            var (x, y) = move(seq.GetX(i), seq.GetY(i));
            seq.SetX(i, x);
            seq.SetY(i, y);
        }
    }
}

/// <summary>Label polygons in a scene's CRS, indexed by their envelopes.</summary>
public sealed class GeoLabelIndex
{
    private readonly STRtree<(string Class, IPreparedGeometry Prepared)> tree;

    internal GeoLabelIndex(STRtree<(string Class, IPreparedGeometry Prepared)> tree) => this.tree = tree;

    /// <summary>
    /// The class covering the largest share of <paramref name="footprint"/> (shares of polygons of one class add up),
    /// with that share; null when no polygon touches it.
    /// </summary>
    public (string? Class, double Share) Assign(Geometry footprint)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        var area = footprint.Area;
        if (area <= 0)
        {
            return (null, 0);
        }

        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (label, prepared) in tree.Query(footprint.EnvelopeInternal))
        {
            double covered;
            if (prepared.Covers(footprint))
            {
                covered = area;
            }
            else if (prepared.Intersects(footprint))
            {
                covered = prepared.Geometry.Intersection(footprint).Area;
            }
            else
            {
                continue;
            }

            shares[label] = shares.GetValueOrDefault(label) + covered;
        }

        if (shares.Count == 0)
        {
            return (null, 0);
        }

        var best = shares.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).First();
        return (best.Key, Math.Min(1, best.Value / area));
    }
}
