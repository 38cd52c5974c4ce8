using System.CommandLine;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Collect.Geo.Stac;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Import.Formats;
using VisionFactory.Datasets.Jobs;

namespace VisionFactory.Cli.Commands;

/// <summary>
/// The geo part of <c>vf dataset import</c>: a GeoTIFF scene or a STAC API address cut into chips, labelled from
/// polygons (<c>--geo-labels</c>), with the chip, band and stretch options.
/// </summary>
internal sealed class CliGeoImport
{
    public Option<string?> Labels { get; } = new("--geo-labels") { Description = "Geo: a GeoJSON (.geojson, WGS 84) or shapefile (.shp with its .prj) of labelled polygons" };

    public Option<string> LabelProperty { get; } = new("--label-property") { Description = "Geo: the polygon property that names the class", DefaultValueFactory = _ => "class" };

    public Option<string?> LabelsCrs { get; } = new("--labels-crs") { Description = "Geo: the CRS of the labels when their file does not say it (e.g. EPSG:32632)" };

    public Option<double> MinOverlap { get; } = new("--min-overlap") { Description = "Geo: least share of a chip a class must cover (0..1)", DefaultValueFactory = _ => 0.5 };

    /// <summary>
    /// Shared with the pool import: alone (<c>--unlabelled</c>), the images join the dataset's pool without a class; in a
    /// geo import, <c>--unlabelled skip|keep</c> says what happens to chips no class covers.
    /// </summary>
    public Option<string?> Unlabelled { get; } = new("--unlabelled")
    {
        Description = "The images join the dataset's pool without a class (never trained on until labelled with 'vf dataset label'); " +
                      "geo: skip (default) or keep (as class 'unlabelled') the chips no class covers enough",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<int> Chip { get; } = new("--chip") { Description = "Geo: chip side in pixels", DefaultValueFactory = _ => 256 };

    public Option<int?> Stride { get; } = new("--stride") { Description = "Geo: step between chips in pixels (default: the chip side)" };

    public Option<bool> KeepPartial { get; } = new("--keep-partial") { Description = "Geo: keep chips that run over the scene's edge (padded with black)" };

    public Option<string?> Bands { get; } = new("--bands") { Description = "Geo: the bands shown as red, green, blue, numbered from 1 (e.g. 4,3,2 for Sentinel-2 B4/B3/B2)" };

    public Option<string> Stretch { get; } = new("--stretch") { Description = "Geo: percentiles of the scene mapped to 0 and 255 (e.g. 2,98), or none", DefaultValueFactory = _ => "2,98" };

    public Option<double?> NoData { get; } = new("--nodata") { Description = "Geo: the value of pixels without data (default: the file's GDAL_NODATA tag)" };

    public Option<double> MaxNoData { get; } = new("--max-nodata") { Description = "Geo: chips with a larger share of no-data pixels are skipped (0..1)", DefaultValueFactory = _ => 0.5 };

    public Option<string[]> Collections { get; } = new("--collection") { Description = "STAC: a collection to search (e.g. sentinel-2-l2a)" };

    public Option<string?> Bbox { get; } = new("--bbox") { Description = "STAC: west,south,east,north in degrees" };

    public Option<string?> Datetime { get; } = new("--datetime") { Description = "STAC: an instant or interval, e.g. 2024-06-01T00:00:00Z/2024-06-30T23:59:59Z" };

    public Option<double?> MaxCloud { get; } = new("--max-cloud") { Description = "STAC: most cloud cover in percent (eo:cloud_cover)" };

    public Option<string?> Assets { get; } = new("--assets") { Description = "STAC: the assets to download by key or band name, in band order (e.g. red,green,blue or B04,B03,B02; default: visual)" };

    public Option<int> Scenes { get; } = new("--scenes") { Description = "STAC: how many of the scenes found to import", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Labels, LabelProperty, LabelsCrs, MinOverlap, Unlabelled, Chip, Stride, KeepPartial, Bands, Stretch, NoData, MaxNoData, Collections, Bbox, Datetime, MaxCloud, Assets, Scenes })
        {
            command.Add(option);
        }
    }

    /// <summary>Whether the import is a geo import: asked by format, a .tif source, labels, or STAC search options.</summary>
    public bool Requested(ParseResult parse, string source, ImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (format is ImportFormat.Geo or ImportFormat.Stac)
        {
            return true;
        }

        return format == ImportFormat.Auto
            && (ImportFormats.Detect(source) == ImportFormat.Geo
                || parse.GetValue(Labels) is not null
                || (GeoImport.IsStac(source) && (parse.GetValue(Collections) is { Length: > 0 } || parse.GetValue(Bbox) is not null || parse.GetValue(Assets) is not null)));
    }

    /// <summary>The geo options as the geo part of the one import request: <paramref name="source"/> is a scene or a STAC API address.</summary>
    public GeoImportJobRequest Request(ParseResult parse, string source, string? className)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var stac = GeoImport.IsStac(source);
        return new GeoImportJobRequest(
            Path: stac ? null : source,
            Stac: stac ? source : null,
            LabelsPath: parse.GetValue(Labels),
            LabelProperty: parse.GetValue(LabelProperty),
            LabelsCrs: parse.GetValue(LabelsCrs),
            MinOverlap: parse.GetValue(MinOverlap),
            Unlabelled: parse.GetValue(Unlabelled) ?? "skip",
            Class: className,
            Chip: parse.GetValue(Chip),
            Stride: parse.GetValue(Stride),
            KeepPartial: parse.GetValue(KeepPartial),
            Bands: parse.GetValue(Bands) is { } bands ? GeoChipOptions.ParseBands(bands) : null,
            Stretch: parse.GetValue(Stretch),
            Nodata: parse.GetValue(NoData),
            MaxNodata: parse.GetValue(MaxNoData),
            Collections: stac ? parse.GetValue(Collections) ?? [] : null,
            Bbox: stac && parse.GetValue(Bbox) is { } box ? StacSearch.ParseBbox(box) : null,
            Datetime: stac ? parse.GetValue(Datetime) : null,
            MaxCloud: stac ? parse.GetValue(MaxCloud) : null,
            Assets: stac ? parse.GetValue(Assets)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [] : null,
            Scenes: stac ? parse.GetValue(Scenes) : null);
    }
}
