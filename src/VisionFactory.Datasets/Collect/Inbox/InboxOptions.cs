using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Datasets.Collect.Inbox;

/// <summary>
/// The upload inbox (configuration section <c>Collect:Inbox</c>): a folder that an FTP server (vsftpd, see
/// deploy/ftp-inbox) writes into, laid out as <c>&lt;dataset&gt;/&lt;class&gt;/&lt;image&gt;</c>.
/// </summary>
public sealed record InboxOptions
{
    /// <summary>The inbox folder; the inbox is off when empty.</summary>
    public string? Path { get; init; }

    /// <summary>How long a file's size and time must stay unchanged before it counts as completely uploaded.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "10675199.02:48:05.4775807")]
    public TimeSpan StableFor { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the inbox is scanned.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan ScanEvery { get; init; } = TimeSpan.FromSeconds(5);
}
