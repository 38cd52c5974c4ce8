namespace VisionFactory.Factory.Zoo;

/// <summary>
/// Where pretrained weights come from (<c>Zoo:Weights</c>, bound by the host's settings registration): the official
/// addresses, or an administrator's mirror holding the same file names; how large one file may be; and an optional
/// catalogue file of the administrator's own entries.
/// </summary>
public sealed class ZooWeightsOptions
{
    public const string Section = "Zoo:Weights";

    /// <summary>
    /// Base address of a mirror holding the published files under their own names (e.g. an internal web server of an
    /// air-gapped site); empty: torchvision's official address. An administrator's mirror is trusted even on a private
    /// or loopback address.
    /// </summary>
    public string Mirror { get; set; } = "";

    /// <summary>The largest weights file downloaded (1 GiB; VGG-19 with batch norm, the largest, is about 550 MB).</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>How long one download may take before it is stopped (and may be resumed later).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A JSON file of catalogue entries (<c>[{"architecture": "resnet18", "file": "resnet18-f37072fd.pth", "sha256": "...",
    /// "size": 46830571}]</c>) that pin full digests or replace the built-in file of an architecture; empty: none.
    /// </summary>
    public string CatalogFile { get; set; } = "";

    /// <summary>What is wrong with these settings, one sentence each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (Mirror.Length > 0 && (!Uri.TryCreate(Mirror, UriKind.Absolute, out var mirror) || mirror.Scheme is not ("http" or "https")))
        {
            yield return $"{Section}:Mirror holds '{Mirror}', which is not an http(s) address";
        }

        if (MaxBytes <= 0)
        {
            yield return $"{Section}:MaxBytes must be positive, not {MaxBytes}";
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:Timeout must be positive, not {Timeout}";
        }

        if (CatalogFile.Length > 0 && !File.Exists(CatalogFile))
        {
            yield return $"{Section}:CatalogFile names '{CatalogFile}', which does not exist";
        }
    }
}
