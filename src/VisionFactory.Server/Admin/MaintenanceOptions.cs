using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Server.Admin;

/// <summary>Space reclaim, bound from the <c>Maintenance</c> configuration section.</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    /// <summary>When the garbage collection runs (a cron expression, UTC); daily at 03:15 unless configured; empty: never.</summary>
    public string? GcSchedule { get; set; } = "15 3 * * *";

    /// <summary>Unreferenced blobs younger than this many minutes are kept (an import in flight has not committed them).</summary>
    [Range(0.0, 525_600.0)]
    public double GcGraceMinutes { get; set; } = 60;
}
