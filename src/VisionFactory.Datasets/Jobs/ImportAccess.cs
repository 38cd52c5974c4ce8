namespace VisionFactory.Datasets.Jobs;

/// <summary>
/// What the host lets its callers import from, bound at start: a server (its callers are other people) imports server
/// paths only inside <see cref="Roots"/> and pulls only from public remote hosts; the command line (its caller owns the
/// machine) reads any local path. <see cref="ImportService"/> applies it to every request, whichever door it came from.
/// </summary>
public sealed class ImportAccess
{
    /// <summary>The folders server-side paths must lie in (setting <c>Server:ImportRoots</c>).</summary>
    public IReadOnlyList<string> Roots { get; set; } = [];

    /// <summary>Any path this process can read may be imported (the command line); otherwise only paths inside <see cref="Roots"/>.</summary>
    public bool AnyLocalPath { get; set; }

    /// <summary>Remote pulls refuse internal addresses (besides <c>Collect:Remote:AllowedRanges</c>): a server's callers may not reach its network.</summary>
    public bool PublicRemoteHostsOnly { get; set; } = true;

    /// <summary>Where this host's image search key is set, for the message when it is missing.</summary>
    public string SearchKeyHint { get; set; } = "an administrator sets the key in Collect:Search:Key";

    /// <summary>The command line's access: its user's own machine and network, settings from the environment.</summary>
    public static void CommandLine(ImportAccess access)
    {
        ArgumentNullException.ThrowIfNull(access);
        access.AnyLocalPath = true;
        access.PublicRemoteHostsOnly = false;
        access.SearchKeyHint = "set the key in the environment variable Collect__Search__Key";
    }
}
