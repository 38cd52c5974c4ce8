using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp.PyBridge;
using VisionFactory.Factory;
using VisionFactory.Factory.Zoo;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Weights;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Bench;

/// <summary>
/// Pretrained weights end to end: a generated ResNet-50 state dict written as a PyTorch .pth (about 100 MB, the real
/// format with the real names and shapes) served by a loopback mirror, fetched by <c>vf zoo weights get</c>'s service
/// (download to disk, SHA-256 of the file, conversion through the .pth reader with every name and shape checked,
/// safetensors stored) beside the raw cost of hashing the same bytes and of the conversion alone, in the same run.
/// </summary>
internal static class WeightsBench
{
    private const string Architecture = "resnet50";

    public static async Task RunAsync(int rounds)
    {
        Console.WriteLine();
        using var temp = new TempDirectory("vf-bench-weights");
        var generated = temp.Combine("generated.pth");
        using (var module = ArchitectureCatalog.Default.Get(Architecture).CreateModule(1000))
        {
            module.save_py(generated);
        }

        var content = await File.ReadAllBytesAsync(generated);
        var megabytes = content.Length / 1e6;
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var name = $"resnet50-{sha[..8]}.pth";
        Console.WriteLine($"## Weights: {Architecture} state dict as .pth, {megabytes:0.0} MB, from a loopback mirror; {Environment.ProcessorCount} cores, load {Load()}");
        var catalog = temp.Combine("catalog.json");
        await File.WriteAllTextAsync(catalog, JsonSerializer.Serialize(new[] { new { architecture = Architecture, file = name, sha256 = sha } }));
        using var mirror = new FileMirrorServer();
        mirror.Add(name, content);

        for (var round = 1; round <= rounds; round++)
        {
            // The reference: hashing the same bytes, in memory and from the file (as the download verifies it).
            var clock = Stopwatch.StartNew();
            SHA256.HashData(content);
            var hashMemory = clock.Elapsed.TotalSeconds;
            clock.Restart();
            await PretrainedWeightsService.Sha256OfFileAsync(generated, CancellationToken.None);
            var hashFile = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var converted = WeightFileImport.Convert(ArchitectureCatalog.Default.Get(Architecture), generated);
            var convert = clock.Elapsed.TotalSeconds;

            var data = temp.Combine($"data-{round}");
            await using (var services = new ServiceCollection().AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(new DataDirectory(data))
                .Configure<ZooWeightsOptions>(o => o.CatalogFile = catalog).BuildServiceProvider())
            {
                await services.MigrateDatabaseAsync(CancellationToken.None);
                await using var scope = services.CreateAsyncScope();
                clock.Restart();
                var got = await scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>().GetAsync(Architecture, mirror.BaseUri.ToString(), null, CancellationToken.None);
                var total = clock.Elapsed.TotalSeconds;
                Console.WriteLine(
                    $"  round {round}: download + verify + convert + store {total:0.00} s = {megabytes / total:0} MB/s " +
                    $"(stored {got.StoredBytes / 1e6:0.0} MB); reference: SHA-256 of the bytes {megabytes / hashMemory:0} MB/s in memory, " +
                    $"{megabytes / hashFile:0} MB/s from the file; conversion alone {convert:0.00} s ({converted.Tensors} tensors); load {Load()}");
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
