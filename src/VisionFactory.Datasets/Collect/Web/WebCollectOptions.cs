using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>
/// Bounds of web collection (configuration section <c>Collect:Web</c>). Internal, loopback, link-local and other
/// special-use addresses are refused at connect time unless an administrator lists their range in
/// <see cref="AllowedRanges"/>.
/// </summary>
public sealed record WebCollectOptions
{
    public static WebCollectOptions Default { get; } = new();

    /// <summary>CIDR ranges (e.g. <c>10.1.0.0/16</c>) that may be fetched although they are internal.</summary>
    public IReadOnlyList<string> AllowedRanges { get; init; } = [];

    /// <summary>Largest download (an image or a page); 32 MiB.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxBytes { get; init; } = 32L << 20;

    /// <summary>Longest time one download may take, headers and body together.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Least time between two requests to the same host.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "10675199.02:48:05.4775807")]
    public TimeSpan PerHostInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Whether robots.txt is fetched and obeyed (it is, unless an administrator turns it off).</summary>
    public bool RespectRobotsTxt { get; init; } = true;

    /// <summary>Most images one import may collect (from lists and pages together).</summary>
    [Range(1, int.MaxValue)]
    public int MaxImages { get; init; } = 10_000;

    public string UserAgent { get; init; } = "VisionFactory/1.0 (+dataset import)";
}
