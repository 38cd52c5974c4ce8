using System.Globalization;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Geo;

/// <summary>How a scene is cut into chips and turned into RGB.</summary>
public sealed record GeoChipOptions
{
    public static GeoChipOptions Default { get; } = new();

    /// <summary>Chip side in pixels.</summary>
    public int Size { get; init; } = 256;

    /// <summary>Step between chips in pixels (default: the chip size, so chips touch without overlapping).</summary>
    public int? Stride { get; init; }

    /// <summary>Whether chips that run over the scene's right or bottom edge are kept (padded with black) or dropped.</summary>
    public bool KeepPartial { get; init; }

    /// <summary>The bands (numbered from 1) shown as red, green and blue; one band gives grey. Default: 1, 2, 3 (or 1 for a single band).</summary>
    public IReadOnlyList<int>? Bands { get; init; }

    /// <summary>Whether band values are stretched between two percentiles of the scene; else the type's full range maps to 0..255.</summary>
    public bool Stretch { get; init; } = true;

    /// <summary>Lower percentile of the stretch (mapped to 0).</summary>
    public double StretchLow { get; init; } = 2;

    /// <summary>Upper percentile of the stretch (mapped to 255).</summary>
    public double StretchHigh { get; init; } = 98;

    /// <summary>The value that marks pixels without data; default: the file's GDAL_NODATA tag (NaN always counts).</summary>
    public double? NoData { get; init; }

    /// <summary>Chips whose share of no-data pixels is above this are skipped (0..1).</summary>
    public double MaxNoData { get; init; } = 0.5;

    public int EffectiveStride => Stride ?? Size;

    /// <summary>A message naming the first invalid setting, or null.</summary>
    public string? Validate()
    {
        if (Size is < 16 or > 4096)
        {
            return $"the chip size {Size} is outside 16..4096 pixels";
        }

        if (EffectiveStride < 1 || EffectiveStride > 16 * Size)
        {
            return $"the stride {EffectiveStride} is outside 1..{16 * Size} pixels";
        }

        if (Bands is { } bands && bands.Count is not (1 or 3))
        {
            return $"give three bands for red, green and blue (e.g. 4,3,2) or one for grey; {bands.Count} were given";
        }

        if (Stretch && !(StretchLow >= 0 && StretchLow < StretchHigh && StretchHigh <= 100))
        {
            return string.Create(CultureInfo.InvariantCulture, $"the stretch {StretchLow}..{StretchHigh} is not two percentiles 0 <= low < high <= 100");
        }

        return MaxNoData is < 0 or > 1 ? "the largest no-data share must lie between 0 and 1" : null;
    }

    /// <summary>Parses "4,3,2".</summary>
    public static IReadOnlyList<int> ParseBands(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var bands = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part.TrimStart('B', 'b'), NumberStyles.None, CultureInfo.InvariantCulture, out var band) || band < 1)
            {
                throw ProblemException.Invalid($"'{part}' in --bands is not a band number (bands are numbered from 1, e.g. 4,3,2)");
            }

            bands.Add(band);
        }

        return bands;
    }

    /// <summary>Parses "2,98" (percentiles) or "none"; returns the options with the stretch set.</summary>
    public GeoChipOptions WithStretch(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return this;
        }

        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return this with { Stretch = false };
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var low)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var high)
            ? this with { Stretch = true, StretchLow = low, StretchHigh = high }
            : throw ProblemException.Invalid($"'{text}' is not a stretch: give two percentiles (e.g. 2,98) or none");
    }
}
