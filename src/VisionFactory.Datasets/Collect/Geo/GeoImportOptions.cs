using System.Globalization;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>How a geo import cuts its scenes and labels the chips.</summary>
public sealed record GeoImportOptions
{
    public GeoChipOptions Chips { get; init; } = GeoChipOptions.Default;

    public GeoLimits Limits { get; init; } = GeoLimits.Default;

    /// <summary>A GeoJSON (.geojson, .json) or shapefile (.shp) of labelled polygons; without it every chip gets <see cref="Class"/>.</summary>
    public string? LabelsPath { get; init; }

    /// <summary>The property of each polygon that names its class.</summary>
    public string LabelProperty { get; init; } = "class";

    /// <summary>The CRS of the labels when their file does not say it (default: WGS 84 for GeoJSON, the .prj for shapefiles).</summary>
    public string? LabelsCrs { get; init; }

    /// <summary>Least share of a chip a class's polygons must cover for the chip to get that class (0..1).</summary>
    public double MinOverlap { get; init; } = 0.5;

    /// <summary>Whether chips no class covers enough are kept under <see cref="UnlabelledClass"/> instead of skipped.</summary>
    public bool KeepUnlabelled { get; init; }

    public string UnlabelledClass { get; init; } = "unlabelled";

    /// <summary>The class of every chip when there are no labels.</summary>
    public string? Class { get; init; }

    /// <summary>A message naming the first invalid setting, or null.</summary>
    public string? Validate()
    {
        if (Chips.Validate() is { } chips)
        {
            return chips;
        }

        if (MinOverlap is <= 0 or > 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the least overlap {MinOverlap} must lie in (0, 1] (e.g. 0.5 for half the chip)");
        }

        if (LabelsPath is null && string.IsNullOrWhiteSpace(Class))
        {
            return "give the labels of the chips (--geo-labels polygons.geojson|.shp) or one class for all of them (--class)";
        }

        if (Class is not null && DatasetEditor.ValidateClassName(Class) is { } classProblem)
        {
            return classProblem;
        }

        return KeepUnlabelled && DatasetEditor.ValidateClassName(UnlabelledClass) is { } unlabelledProblem ? unlabelledProblem : null;
    }

    /// <summary>Throws a <see cref="ProblemException"/> when a setting is invalid.</summary>
    public void Check()
    {
        if (Validate() is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }
    }
}
