using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Zoo;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Weights;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Zoo;

/// <summary>The model zoo as users see it: architectures with their measured figures, and imported weights.</summary>
public sealed class ZooService(VisionFactoryDb db, BlobStore blobs, ArchitectureCatalog architectures, ZooProfilingGate profiling, Domain.Users.Caller caller)
{
    /// <summary>
    /// Every architecture with parameters, FLOPs, input, normalisation, weights and latency. Parameters and FLOPs
    /// are counted on first listing and stored; latency is only what "zoo bench" measured.
    /// </summary>
    public async Task<List<ZooEntry>> ListAsync(IProgress<(int Done, int Total, string Name)>? progress, CancellationToken cancellationToken)
    {
        var all = architectures.All.OrderBy(a => a.Family, StringComparer.Ordinal).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
        var profiles = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
        if (all.Any(a => NeedsProfile(a, profiles)))
        {
            // In this process the gate makes a second first visit wait and read; other processes (the CLI, a second web
            // host on PostgreSQL) are covered by the upsert.
            using (await profiling.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                profiles = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
                var done = 0;
                foreach (var architecture in all)
                {
                    progress?.Report((done++, all.Count, architecture.Name));
                    if (NeedsProfile(architecture, profiles))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        profiles[architecture.Name] = await ProfileAsync(architecture, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        var imported = await db.ImportedWeights.AsNoTracking().ToDictionaryAsync(w => w.Architecture, cancellationToken).ConfigureAwait(false);
        return all.Select(a => Entry(a, profiles[a.Name], imported.GetValueOrDefault(a.Name), StoredBytes(imported.GetValueOrDefault(a.Name)))).ToList();
    }

    /// <summary>
    /// The architectures with pretrained weights on this installation (bundled, downloaded or imported), read without
    /// profiling anything: what head-only training can run on.
    /// </summary>
    public async Task<IReadOnlySet<string>> WithWeightsAsync(CancellationToken cancellationToken)
    {
        var imported = await db.ImportedWeights.AsNoTracking().Select(w => w.Architecture).ToListAsync(cancellationToken).ConfigureAwait(false);
        return architectures.All.Where(a => a.HasBundledWeights).Select(a => a.Name).Concat(imported).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Measures single-image CPU latency of the named architectures (all when none are named) and stores it.</summary>
    public async Task<List<ZooEntry>> BenchAsync(
        IReadOnlyList<string> names, int threads, IProgress<(int Done, int Total, string Name)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var chosen = names.Count == 0 ? architectures.All.ToList() : names.Select(architectures.Get).ToList();
        var entries = await ListAsync(null, cancellationToken).ConfigureAwait(false);
        var done = 0;
        foreach (var architecture in chosen)
        {
            progress?.Report((done++, chosen.Count, architecture.Name));
            var latency = await Task.Run(() => ArchitectureProfiler.CpuLatencyMilliseconds(architecture, threads), cancellationToken).ConfigureAwait(false);
            var profile = await db.ArchitectureProfiles.SingleAsync(p => p.Architecture == architecture.Name, cancellationToken).ConfigureAwait(false);
            profile.CpuLatencyMs = latency;
            profile.LatencyThreads = threads;
            profile.LatencyMeasuredAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        progress?.Report((done, chosen.Count, ""));
        var measured = chosen.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return (await ListAsync(null, cancellationToken).ConfigureAwait(false)).Where(e => measured.Contains(e.Name)).ToList();
    }

    /// <summary>
    /// Imports a checkpoint (.pt / .pth state dict, .safetensors or .onnx) as the pretrained weights of an
    /// architecture, after checking every name and shape; a mismatch is reported and nothing is stored.
    /// </summary>
    public Task<ImportedWeights> ImportWeightsAsync(string architectureName, string path, CancellationToken cancellationToken) =>
        ImportWeightsAsync(architectureName, path, Path.GetFileName(path), cancellationToken);

    /// <summary>
    /// As <see cref="ImportWeightsAsync(string, string, CancellationToken)"/>, recording <paramref name="source"/> (the
    /// address a published file was downloaded from, or the file's path) as where the weights came from.
    /// </summary>
    public async Task<ImportedWeights> ImportWeightsAsync(string architectureName, string path, string source, CancellationToken cancellationToken)
    {
        caller.Require(Domain.Users.Role.Editor, "import pretrained weights");
        var architecture = architectures.Get(architectureName);
        var weights = await Task.Run(() => WeightFileImport.Convert(architecture, path), cancellationToken).ConfigureAwait(false);
        var sha = blobs.Put(weights.Safetensors);
        var record = new ImportedWeights
        {
            Architecture = architecture.Name,
            Sha256 = sha,
            SourceFile = source,
            HeadClasses = weights.HeadClasses,
            Tensors = weights.Tensors,
        };
        await db.ImportedWeights.Where(w => w.Architecture == architecture.Name).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.ImportedWeights.Add(record);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return record;
    }

    private static bool NeedsProfile(ArchitectureDefinition architecture, Dictionary<string, ArchitectureProfile> profiles) =>
        !profiles.TryGetValue(architecture.Name, out var profile) || profile.InputSize != architecture.DefaultImageSize;

    private async Task<Dictionary<string, ArchitectureProfile>> ProfilesAsync(CancellationToken cancellationToken) =>
        await db.ArchitectureProfiles.AsNoTracking().ToDictionaryAsync(p => p.Architecture, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Counts parameters and FLOPs and stores them with one upsert, so that another process profiling the same
    /// architecture at the same time (the CLI beside the server, a second web host on PostgreSQL) cannot make it fail
    /// on the primary key; a latency measured earlier is kept.
    /// </summary>
    private async Task<ArchitectureProfile> ProfileAsync(ArchitectureDefinition architecture, CancellationToken cancellationToken)
    {
        var (parameters, flops) = await Task.Run(
            () => ArchitectureProfiler.Profile(architecture), cancellationToken).ConfigureAwait(false);
        var inputSize = architecture.DefaultImageSize;

        // ON CONFLICT ... DO UPDATE is the same statement in SQLite (3.24 and later) and PostgreSQL.
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "ArchitectureProfiles" ("Architecture", "Parameters", "Flops", "InputSize")
            VALUES ({architecture.Name}, {parameters}, {flops}, {inputSize})
            ON CONFLICT ("Architecture") DO UPDATE
            SET "Parameters" = excluded."Parameters", "Flops" = excluded."Flops", "InputSize" = excluded."InputSize"
            """,
            cancellationToken).ConfigureAwait(false);
        return await db.ArchitectureProfiles.AsNoTracking().SingleAsync(p => p.Architecture == architecture.Name, cancellationToken).ConfigureAwait(false);
    }

    private long? StoredBytes(ImportedWeights? imported)
    {
        var path = imported is null ? null : blobs.PathOf(imported.Sha256);
        return path is not null && File.Exists(path) ? new FileInfo(path).Length : null;
    }

    /// <summary>Where weights came from, as people read it: bundled, downloaded from an address, or imported from a file.</summary>
    public static string? DescribeSource(ArchitectureDefinition architecture, ImportedWeights? imported)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return architecture.HasBundledWeights ? "bundled (ImageNet)"
            : imported is null ? null
            : Uri.TryCreate(imported.SourceFile, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? $"downloaded from {imported.SourceFile}"
            : $"imported from {imported.SourceFile}";
    }

    private static ZooEntry Entry(ArchitectureDefinition a, ArchitectureProfile profile, ImportedWeights? imported, long? storedBytes) =>
        new(
            a.Name,
            a.Family,
            a.Description,
            profile.Parameters,
            profile.Flops,
            a.DefaultImageSize,
            a.Normalization.Describe(),
            a.HasBundledWeights || imported is not null,
            DescribeSource(a, imported),
            a.HeadIsLinear,
            profile.CpuLatencyMs,
            profile.LatencyThreads,
            storedBytes,
            PublishedWeightsCatalog.IsPublished(a.Name));
}

/// <summary>
/// One architecture as the zoo lists it: <see cref="Weights"/> says where its pretrained weights came from (null: none),
/// <see cref="WeightsBytes"/> their stored size, and <see cref="WeightsPublished"/> whether torchvision publishes
/// ImageNet weights for it ('vf zoo weights get').
/// </summary>
public sealed record ZooEntry(
    string Name,
    string Family,
    string Description,
    long Params,
    long Flops,
    int InputSize,
    string Normalization,
    bool Pretrained,
    string? Weights,
    bool HeadOnlyTraining,
    double? CpuLatencyMs,
    int? LatencyThreads,
    long? WeightsBytes,
    bool WeightsPublished);
