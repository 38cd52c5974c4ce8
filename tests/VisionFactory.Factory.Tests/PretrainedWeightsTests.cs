using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain;
using VisionFactory.Domain.Zoo;
using VisionFactory.Factory.Zoo;
using VisionFactory.Learning.Weights;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Factory.Tests;

/// <summary>
/// Published weights fetched from a mirror on loopback: a generated ShuffleNet v2 x0.5 state dict with torchvision's
/// names and shapes, written as a PyTorch .pth, served under a torchvision-style name.
/// </summary>
public sealed class PretrainedWeightsTests : IDisposable
{
    private const string Architecture = "shufflenet_v2_x0_5";
    private static readonly Lazy<byte[]> Generated = new(() => Generate(Architecture));
    private readonly TempDirectory temp = new("vf-weights");
    private readonly FileMirrorServer mirror = new();

    public void Dispose()
    {
        mirror.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Dispose();
    }

    [Fact]
    public async Task DownloadIsVerifiedConvertedAndStoredOnce()
    {
        var entry = PinnedEntry();
        mirror.Add(entry.FileName, Generated.Value);
        await using var services = await StartAsync(o => o.CatalogFile = CatalogFile(entry));
        var progress = new List<WeightsDownloadProgress>();

        var got = await GetAsync(services, mirror.BaseUri.ToString(), new Collect<WeightsDownloadProgress>(progress));
        var again = await GetAsync(services, mirror.BaseUri.ToString());

        Assert.True(got.Present);
        Assert.Equal(new Uri(mirror.BaseUri, entry.FileName).ToString(), got.Source);
        Assert.True(got.StoredBytes > 1_000_000, $"{got.StoredBytes} bytes stored");
        Assert.Single(mirror.Requests);
        Assert.True(again.Present);
        Assert.Equal(Generated.Value.Length, progress[^1].Bytes);
        Assert.Equal(Generated.Value.Length, progress[^1].Total);

        // The stored safetensors hold the file's own tensors, and the trainer's source finds them.
        await using var scope = services.CreateAsyncScope();
        var files = scope.ServiceProvider.GetRequiredService<IImportedWeightsFiles>().Find(Architecture);
        Assert.NotNull(files);
        var stored = WeightFileReader.Read(CopyAs(files.Value.Path, "stored.safetensors"));
        var original = WeightFileReader.Read(CopyBytesAs(Generated.Value, "original.pth"));
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.True(original["conv1.0.weight"].allclose(stored["conv1.0.weight"], rtol: 0, atol: 0));
        var listed = (await scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>().ListAsync(null, CancellationToken.None)).Single(w => w.Architecture == Architecture);
        Assert.True(listed.Present);
        Assert.Equal(entry.Sha256, listed.Sha256);
        Assert.True(listed.FullDigest);
        Assert.StartsWith(PublishedWeightsCatalog.OfficialBaseAddress, listed.Address, StringComparison.Ordinal);
        var zoo = (await scope.ServiceProvider.GetRequiredService<ZooService>().ListAsync(null, CancellationToken.None)).Single(z => z.Name == Architecture);
        Assert.True(zoo.Pretrained);
        Assert.Equal(got.StoredBytes, zoo.WeightsBytes);
        Assert.Equal($"downloaded from {got.Source}", zoo.Weights);
    }

    [Fact]
    public async Task WrongDigestIsRefusedAndNothingIsStored()
    {
        // The built-in catalogue: the generated file, served under torchvision's name, is not torchvision's file.
        var official = PublishedWeightsCatalog.Official.Single(e => e.Architecture == Architecture);
        mirror.Add(official.FileName, Generated.Value);
        await using var services = await StartAsync();

        var e = await Assert.ThrowsAsync<ProblemException>(() => GetAsync(services, mirror.BaseUri.ToString()));

        Assert.Equal(ProblemKind.Damaged, e.Kind);
        Assert.Contains(official.Sha256, e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", e.Message, StringComparison.Ordinal);
        await AssertNothingStoredAsync(services);
    }

    [Fact]
    public async Task CutOffDownloadResumesFromWhereItStopped()
    {
        var entry = PinnedEntry();
        mirror.Add(entry.FileName, Generated.Value);
        mirror.CutOffAfter = 1_500_000;
        await using var services = await StartAsync(o => o.CatalogFile = CatalogFile(entry));

        var first = await Assert.ThrowsAsync<ProblemException>(() => GetAsync(services, mirror.BaseUri.ToString()));
        var kept = new FileInfo(Path.Combine(temp.Combine("data"), "downloads", "weights", entry.FileName + ".part")).Length;
        var second = await GetAsync(services, mirror.BaseUri.ToString());

        Assert.Contains("run the same command again to resume", first.Message, StringComparison.Ordinal);
        Assert.InRange(kept, 1, 1_500_000);
        Assert.True(second.Present);
        Assert.Equal([null, $"bytes={kept}-"], mirror.Requests.Select(r => r.Range));
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Combine("data"), "downloads", "weights")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FileOverTheSizeCapIsRefused(bool withoutLength)
    {
        var entry = PinnedEntry();
        mirror.Add(entry.FileName, Generated.Value);
        mirror.WithoutLength = withoutLength;
        await using var services = await StartAsync(o =>
        {
            o.CatalogFile = CatalogFile(entry);
            o.MaxBytes = 1_000_000;
        });

        var e = await Assert.ThrowsAsync<ProblemException>(() => GetAsync(services, mirror.BaseUri.ToString()));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("Zoo:Weights:MaxBytes", e.Message, StringComparison.Ordinal);
        await AssertNothingStoredAsync(services);
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Combine("data"), "downloads", "weights")));
    }

    [Fact]
    public async Task MirrorSettingIsHonouredAndTrustedOnLoopback()
    {
        var entry = PinnedEntry();
        mirror.Add(entry.FileName, Generated.Value);
        await using var services = await StartAsync(o =>
        {
            o.CatalogFile = CatalogFile(entry);
            o.Mirror = mirror.BaseUri.ToString();
        });

        var got = await GetAsync(services, mirror: null);
        await using var scope = services.CreateAsyncScope();
        var listed = (await scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>().ListAsync(null, CancellationToken.None)).Single(w => w.Architecture == Architecture);

        Assert.True(got.Present);
        Assert.Equal(new Uri(mirror.BaseUri, entry.FileName).ToString(), got.Source);
        Assert.Equal(new Uri(mirror.BaseUri, entry.FileName).ToString(), listed.Address);
        Assert.Equal(entry.FileName, Assert.Single(mirror.Requests).Path);
    }

    [Fact]
    public async Task RedirectFromTheMirrorToAnotherInternalAddressIsRefusedByTheGuard()
    {
        var entry = PinnedEntry();
        using var elsewhere = new FileMirrorServer("127.0.0.2");
        elsewhere.Add(entry.FileName, Generated.Value);
        mirror.RedirectTo = elsewhere.BaseUri;
        await using var services = await StartAsync(o => o.CatalogFile = CatalogFile(entry));

        var e = await Assert.ThrowsAsync<ProblemException>(() => GetAsync(services, mirror.BaseUri.ToString()));

        Assert.Contains("is refused", e.Message, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
        await AssertNothingStoredAsync(services);
    }

    [Fact]
    public async Task FolderImportRecognisesFilesByNameAndVerifiesTheirDigest()
    {
        var entry = PinnedEntry();
        var folder = temp.Combine("offline");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, entry.FileName), Generated.Value);
        await File.WriteAllTextAsync(Path.Combine(folder, "README.txt"), "weights for the lab");
        var resnet18 = PublishedWeightsCatalog.Official.Single(e => e.Architecture == "resnet18");
        await File.WriteAllBytesAsync(Path.Combine(folder, resnet18.FileName), Generated.Value);
        await using var services = await StartAsync(o => o.CatalogFile = CatalogFile(entry));
        await using var scope = services.CreateAsyncScope();
        var weights = scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>();

        var results = await weights.ImportFolderAsync(folder, CancellationToken.None);
        var again = await weights.ImportFolderAsync(folder, CancellationToken.None);

        Assert.Equal(("stored", Architecture), results.Where(r => r.File == entry.FileName).Select(r => (r.Outcome, r.Architecture)).Single());
        Assert.Equal("skipped", results.Single(r => r.File == "README.txt").Outcome);
        var refused = results.Single(r => r.File == resnet18.FileName);
        Assert.Equal("refused", refused.Outcome);
        Assert.Contains(resnet18.Sha256, refused.Reason, StringComparison.Ordinal);
        Assert.Equal("present", again.Single(r => r.File == entry.FileName).Outcome);
        var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
        Assert.Equal([Architecture], await db.ImportedWeights.Select(w => w.Architecture).ToListAsync());
    }

    [Fact]
    public async Task UnpublishedArchitectureSaysHowToTrainIt()
    {
        await using var services = await StartAsync();

        var e = await Assert.ThrowsAsync<ProblemException>(() => GetAsync(services, mirror.BaseUri.ToString(), architecture: "small_cnn"));

        Assert.Contains("no published ImageNet weights are catalogued for small_cnn", e.Message, StringComparison.Ordinal);
        Assert.Empty(mirror.Requests);
    }

    private static byte[] Generate(string architecture) => GeneratedWeights.Pth(architecture);

    // The generated file under a torchvision-style name carrying its own digest's first 10 hex digits, the full digest pinned.
    private static PublishedWeightsFile PinnedEntry()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Generated.Value));
        return new PublishedWeightsFile(Architecture, $"shufflenetv2_x0.5-{sha[..10]}.pth", sha);
    }

    private string CatalogFile(PublishedWeightsFile entry)
    {
        var path = temp.Combine("catalog.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new[] { new { architecture = entry.Architecture, file = entry.FileName, sha256 = entry.Sha256 } }));
        return path;
    }

    private string CopyAs(string path, string name)
    {
        var copy = temp.Combine(name);
        File.Copy(path, copy, overwrite: true);
        return copy;
    }

    private string CopyBytesAs(byte[] content, string name)
    {
        var copy = temp.Combine(name);
        File.WriteAllBytes(copy, content);
        return copy;
    }

    private async Task<ServiceProvider> StartAsync(Action<ZooWeightsOptions>? configure = null)
    {
        var services = new ServiceCollection().AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(new DataDirectory(temp.Combine("data")))
            .Configure<ZooWeightsOptions>(o => configure?.Invoke(o)).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        return services;
    }

    private static async Task<WeightsListing> GetAsync(
        ServiceProvider services, string? mirror, IProgress<WeightsDownloadProgress>? progress = null, string architecture = Architecture)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>().GetAsync(architecture, mirror, progress, CancellationToken.None);
    }

    private async Task AssertNothingStoredAsync(ServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        Assert.Empty(await scope.ServiceProvider.GetRequiredService<VisionFactoryDb>().ImportedWeights.ToListAsync());
        var blobs = Path.Combine(temp.Combine("data"), "blobs");
        Assert.Empty(Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories) : []);
    }

    private sealed class Collect<T>(List<T> into) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
