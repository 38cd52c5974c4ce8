using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Datasets.Collect.PublicData;

/// <summary>
/// Downloads of public datasets (configuration section <c>Collect:Public</c>). A <see cref="Mirror"/> set by the
/// administrator replaces the official addresses (same file names under it) and is trusted even on a private or
/// loopback address; the official addresses go through the web collection's guard like any other download.
/// </summary>
public sealed record PublicDatasetOptions
{
    /// <summary>A base address serving the catalogue's files under their names (an internal mirror), or null for the official addresses.</summary>
    public string? Mirror { get; init; }

    /// <summary>A JSON file of catalogue entries added to the built-in ones (an entry with a built-in id replaces it).</summary>
    public string? CatalogFile { get; init; }

    /// <summary>Largest file one download may bring (1 GiB); a file whose size the catalogue knows is held to that size too.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>Longest time one file's download may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(2);
}
