using System.Text.Json;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;
using VisionFactory.Domain.Audit;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Server.Security;
using VisionFactory.Storage;
using VisionFactory.Storage.Audit;

namespace VisionFactory.Server.Pipelines;

/// <summary>
/// The internal networks camera sources may reach: those of <c>Pipelines:CameraAllowedNetworks</c> in the server's
/// configuration, and those an administrator added on the Settings page (or <c>PUT /api/settings/camera-networks</c>),
/// kept in <c>&lt;data&gt;/settings/camera-networks.json</c>. A change applies to pipelines started from then on.
/// </summary>
public sealed class CameraNetworks(PipelineOptions options, DataDirectory data, AuditLog audit, IOptionsMonitor<PipelineOptions> settings) : IDisposable
{
    public const string Setting = "Pipelines:CameraAllowedNetworks";

    public const int MaxNetworks = 100;

    private readonly SemaphoreSlim gate = new(1, 1);
    private List<string> added = ReadStored(data);

    /// <summary>The networks the configuration lists (changed where the server starts).</summary>
    public IReadOnlyList<string> Configured { get; } = settings.Get(PipelineSettings.AsConfigured).CameraAllowedNetworks ?? [];

    /// <summary>The networks an administrator added here.</summary>
    public IReadOnlyList<string> Added => added;

    /// <summary>Where the added networks are kept.</summary>
    public static string PathIn(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Path.Combine(data.Root, "settings", "camera-networks.json");
    }

    /// <summary>The networks added by an administrator, as stored; a file that holds something else stops the host, naming it.</summary>
    public static List<string> ReadStored(DataDirectory data)
    {
        var path = PathIn(data);
        if (!File.Exists(path))
        {
            return [];
        }

        List<string> ranges;
        try
        {
            ranges = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(path)) ?? [];
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid($"{path} is not a JSON list of CIDR ranges ({e.Message}); correct or delete it");
        }

        OutboundGuard.CheckRanges(ranges, path);
        return ranges;
    }

    /// <summary>Replaces the added networks with <paramref name="ranges"/> (CIDR); the change is written to the audit log.</summary>
    public async Task SetAsync(IReadOnlyList<string>? ranges, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var clean = (ranges ?? []).Select(r => r?.Trim() ?? "").Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (clean.Count > MaxNetworks)
        {
            throw ProblemException.Invalid($"at most {MaxNetworks} camera networks, not {clean.Count}");
        }

        OutboundGuard.CheckRanges(clean, "networks");
        var normalized = clean.Select(r => System.Net.IPNetwork.Parse(r).ToString()).Distinct(StringComparer.Ordinal).ToList();
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = Added;
            var path = PathIn(data);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + ".tmp";
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(normalized), cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);

            // A new list, not a change to the old one: pipelines starting now read either list whole.
            added = normalized;
            options.CameraAllowedNetworks = [.. Configured, .. normalized.Except(Configured, StringComparer.Ordinal)];
            await audit.RecordAsync(
                AuditActions.SettingsChanged, caller.UserName, Setting,
                $"camera networks added here: {Describe(before)} -> {Describe(normalized)}", caller.Address, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    private static string Describe(IReadOnlyCollection<string> ranges) => ranges.Count == 0 ? "none" : string.Join(", ", ranges);
}
