using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using VisionFactory.Bench;
using VisionFactory.Datasets.Import;
using VisionFactory.Domain.Models;
using VisionFactory.Factory;
using VisionFactory.Factory.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Zoo;
using VisionFactory.Storage;
using static TorchSharp.torch;

// Benchmarks print our figure beside a reference measured in the same run (PyTorch on this machine).
// Usage: dotnet run -c Release --project bench/VisionFactory.Bench -- [overload [--clients N] [--seconds N]|soak --minutes N [--clients N]|throughput|time-to-model|predict|zoo|quality|startup|engines [ARCH ...]|latency|layout|ops|explain|import|import-stages|factory|factory-overhead|scale|labelling|review|review-scale|review-embed-size|review-100k [--count N]|pipeline|geo|weights [ROUNDS]|stress [TEST_IMAGES]|all]
//   zoo [all|NAME,NAME,...] [ROUNDS]: the zoo latency table for all or some architectures, over alternating rounds.
//   latency [ARCH] [SIZE]: one network's CPU latency as evaluation, the assistant and the zoo used to measure it, beside CpuLatency.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var which = args.Length > 0 ? args[0] : "all";
var reference = PyTorchReference.Find();
var masks = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "datasets", "masks"));
Console.WriteLine($"VisionFactory benchmarks on {Environment.ProcessorCount} cores; reference: {(reference is null ? "PyTorch not installed" : "Debian PyTorch")}");
TorchNativeLibrary.EnsureLoaded();
Console.WriteLine($"ours: OpenMP wait policy {OpenMpWaitPolicy.Current() ?? "default"}, spin {OpenMpWaitPolicy.Spin() ?? "default"} (set by TorchNativeLibrary.EnsureLoaded unless chosen); native heap {(NativeHeap.TunedByThePerson() ? "as the environment sets it" : $"mmap threshold {NativeHeap.MmapThreshold >> 20} MiB, trim threshold {NativeHeap.TrimThreshold >> 20} MiB")}; load averages {Load()}");

if (which is "throughput" or "all")
{
    Throughput(reference);
}

string? headModel = null;
if (which is "time-to-model" or "all")
{
    headModel = await TimeToModel(reference, masks);
}

if (which is "predict" or "all")
{
    await Predict(masks, headModel);
}

if (which is "zoo" or "all")
{
    // zoo [NAME,NAME,...] [ROUNDS]: a subset of the architectures, and alternating rounds (median), for iterating.
    var names = which == "zoo" && args.Length > 1 && args[1] != "all" ? args[1].Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
    var rounds = which == "zoo" && args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
    ZooLatency(reference, names, rounds);
}

if (which is "startup")
{
    // startup: the published vf's process start to exit, cold and warm, and vf serve to its first /api/predict.
    await StartupBench.RunAsync(masks);
}

if (which is "latency")
{
    // latency [ARCH] [SIZE]: the former latency measures beside the one definition every page shows now.
    LatencyBench.Run(args.Length > 1 ? args[1] : "resnet18", args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 224);
}

if (which is "ops")
{
    // ops: single batch-1 operations beside PyTorch's, with our page faults per call (see NativeHeap).
    OpsBench.Run();
}

if (which is "layout")
{
    // layout NAME,NAME [ROUNDS] [eval]: default layout against channels-last, in evaluation (and training unless "eval").
    LayoutBench.Run(
        args.Length > 1 ? args[1].Split(',', StringSplitOptions.RemoveEmptyEntries) : ["resnet18", "mobilenet_v2"],
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1,
        evaluationOnly: args.Length > 3 && args[3] == "eval");
}

if (which is "quality")
{
    // quality [RECIPE,RECIPE,...] [SEED,SEED,...]: recipes trained on masks and hymenoptera, scored on their own test
    // split, masks-real and hymenoptera val (issue 19's table). VF_QUALITY_DATA=<folder> keeps imports and caches.
    await QualityBench.RunAsync(
        Path.GetDirectoryName(masks)!,
        args.Length > 1 ? args[1].Split(',', StringSplitOptions.RemoveEmptyEntries) : ["head", "finetune", "finetune-plain"],
        args.Length > 2 ? [.. args[2].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [42, 1, 2]);
}

if (which is "explain" or "all")
{
    ExplainBench.Run();
}

if (which is "scale" or "all")
{
    await ScaleBench.RunAsync();
}

if (which is "review" or "all")
{
    await ReviewBench.RunAsync(masks);
}

if (which is "stress")
{
    // stress [TEST_IMAGES]: the stress test's time beside the plain evaluation's (head-only ResNet-18 on the masks corpus).
    await StressBench.RunAsync(masks, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200);
}

if (which is "labelling")
{
    // labelling: the labelling grid's pages and bulk labelling on 100 000 images (issue 24).
    await LabellingBench.RunAsync();
}

if (which is "review-scale")
{
    ReviewBench.Scale();
}

if (which is "pipeline" or "all")
{
    await PipelineBench.RunAsync(masks);
}

if (which is "engines")
{
    // engines [ARCH ...]: TorchSharp beside ONNX Runtime on the exported graph (and PyTorch eager), 1 image and batch 16.
    EngineBench.Run(args.Skip(1).ToList());
}

if (which is "overload")
{
    // overload [--clients 160] [--seconds 10]: POST /api/predict's admitted p95 under many clients beside its idle p95.
    await OverloadSoakBench.OverloadAsync(masks, IntOption("--clients", 160), IntOption("--seconds", 10));
}

if (which is "soak")
{
    // soak --minutes N [--clients 8]: a running pipeline plus prediction load; RSS, handles and threads every minute.
    await OverloadSoakBench.SoakAsync(masks, IntOption("--minutes", 30), IntOption("--clients", 8));
}

if (which is "geo" or "all")
{
    GeoBench.Run();
}

if (which is "weights")
{
    // weights [ROUNDS]: download + verify + convert of a ~100 MB .pth from a loopback mirror, beside hashing the same bytes.
    await WeightsBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2);
}

if (which is "review-100k")
{
    var countAt = Array.IndexOf(args, "--count");
    await Review100kBench.RunAsync(masks, countAt > 0 && countAt + 1 < args.Length ? int.Parse(args[countAt + 1], CultureInfo.InvariantCulture) : 100_000);
}

if (which is "review-embed-size")
{
    await EmbedSizeBench.RunAsync(masks);
}

if (which is "import-stages")
{
    ImportStages.Run(masks);
}

if (which is "import" or "all")
{
    await ImportBench.RunAsync(masks);
}

if (which is "factory" or "factory-overhead" or "all")
{
    await FactoryBench.RunAsync(masks, parallel: which != "factory-overhead");
}

return 0;

static void Throughput(PyTorchReference? reference)
{
    const int size = 224, batch = 16, steps = 20, threads = 2, rounds = 3;
    Console.WriteLine();
    Console.WriteLine($"## Training throughput: ResNet-18 (torchvision layout, random weights), {size} px, batch {batch}, {threads} threads, {steps} timed steps; {rounds} alternating rounds, median");
    var ours = new List<(double Train, double Infer)>();
    var theirs = new List<(double Train, double Infer)>();
    string? engine = null;
    for (var round = 1; round <= rounds; round++)
    {
        var (train, infer) = OurThroughput(size, batch, steps, threads);
        ours.Add((train, infer));
        var line = $"  round {round}: ours train {train:0.00} img/s, inference {infer:0.00} img/s";
        var py = reference?.Run("throughput", "--arch", "resnet18", "--size", $"{size}", "--batch", $"{batch}", "--steps", $"{steps}", "--threads", $"{threads}");
        if (py is { } p)
        {
            engine = p.GetProperty("engine").GetString();
            theirs.Add((p.GetProperty("train_img_s").GetDouble(), p.GetProperty("infer_img_s").GetDouble()));
            line += $"; pytorch train {theirs[^1].Train:0.00} img/s, inference {theirs[^1].Infer:0.00} img/s";
        }

        Console.WriteLine(line + $" (load {Load()})");
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    var (ourTrain, ourInfer) = (Median(ours.Select(o => o.Train)), Median(ours.Select(o => o.Infer)));
    Console.WriteLine($"  ours (TorchSharp 0.107, libtorch 2.10): train {ourTrain:0.00} img/s, inference {ourInfer:0.00} img/s");
    if (theirs.Count > 0)
    {
        var (pyTrain, pyInfer) = (Median(theirs.Select(o => o.Train)), Median(theirs.Select(o => o.Infer)));
        Console.WriteLine($"  {engine}: train {pyTrain:0.00} img/s, inference {pyInfer:0.00} img/s");
        Console.WriteLine($"  ratio ours / pytorch: train {ourTrain / pyTrain:0.00}, inference {ourInfer / pyInfer:0.00}");
    }
}

// Our training step and batched forward through the product's path (ClassifierNetwork.Logits, which gives each pass
// the memory layout its architecture runs fastest in), on torchvision's ResNet-18 layout as the reference builds it.
static (double Train, double Infer) OurThroughput(int size, int batch, int steps, int threads)
{
    torch.set_num_threads(threads);
    torch.manual_seed(0);
    using var network = VisionFactory.Learning.Architectures.ArchitectureCatalog.Default.Get("resnet18").Build(2, size, loadPretrained: false);
    using var x = torch.randn(batch, 3, size, size);
    using var y = torch.randint(0, 2, [batch], dtype: ScalarType.Int64);
    using var optimizer = optim.SGD(network.Module.parameters(), 0.01, momentum: 0.9);
    void Step()
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.cross_entropy(network.Logits(x), y).backward();
        optimizer.step();
    }

    network.Module.train();
    Step();
    Step();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < steps; i++)
    {
        Step();
    }

    var train = steps * batch / clock.Elapsed.TotalSeconds;
    network.Module.eval();
    using (inference_mode())
    {
        using (NewDisposeScope())
        {
            network.Logits(x);
        }

        clock.Restart();
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            network.Logits(x);
        }
    }

    return (train, steps * batch / clock.Elapsed.TotalSeconds);
}

static async Task<string?> TimeToModel(PyTorchReference? reference, string masks)
{
    Console.WriteLine();
    Console.WriteLine($"## Time to a good model on {masks}, cold cache, import included");
    var root = Path.Combine(Path.GetTempPath(), "vf-bench-" + Guid.NewGuid().ToString("N")[..8]);
    try
    {
        var data = new DataDirectory(root);
        await using var services = new ServiceCollection().AddVisionFactory(data).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);

        var clock = Stopwatch.StartNew();
        ModelVersion head;
        await using (var scope = services.CreateAsyncScope())
        {
            var version = await scope.ServiceProvider.GetRequiredService<DatasetImporter>()
                .ImportAsync("masks", masks, ImportOptions.Default, null, CancellationToken.None);
            Console.WriteLine($"  import: {version.Items.Count} images ({version.Import.FilesSeen} files, {version.Import.Duplicates.Sum(d => d.Paths.Count - 1)} identical dropped) in {clock.Elapsed.TotalSeconds:0.0} s");
            head = await scope.ServiceProvider.GetRequiredService<TrainingService>()
                .TrainAsync("masks", new TrainingSpec { Mode = TrainingMode.Head }, null, CancellationToken.None);
        }

        var headWall = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  ours, head-only (resnet18-imagenet, 224 px centre crops, 60 epochs on cached features): {headWall:0.0} s wall from an empty data directory, held-out test accuracy {head.Evaluation!.Accuracy:P2} on {head.Evaluation.Images} images (target: >= 99% in <= 60 s)");

        clock.Restart();
        ModelVersion finetune;
        await using (var scope = services.CreateAsyncScope())
        {
            finetune = await scope.ServiceProvider.GetRequiredService<TrainingService>()
                .TrainAsync("masks", new TrainingSpec { Mode = TrainingMode.Finetune, Epochs = 1 }, null, CancellationToken.None);
        }

        var e = finetune.History[0];
        Console.WriteLine($"  ours, finetune 1 epoch (batch 32, 224 px centre crops, SGD one-cycle, zero-initialised head): {clock.Elapsed.TotalSeconds:0.0} s wall (crops cached by the head-only run), {e.ImagesPerSecond:0.0} img/s training, held-out test accuracy {finetune.Evaluation!.Accuracy:P2}");

        // A truly cold finetune: a new data directory, import included.
        var coldRoot = Path.Combine(Path.GetTempPath(), "vf-bench-cold-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var coldData = new DataDirectory(coldRoot);
            await using var coldServices = new ServiceCollection().AddVisionFactory(coldData).BuildServiceProvider();
            await coldServices.MigrateDatabaseAsync(CancellationToken.None);
            clock.Restart();
            await using var scope = coldServices.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("masks", masks, ImportOptions.Default, null, CancellationToken.None);
            var cold = await scope.ServiceProvider.GetRequiredService<TrainingService>()
                .TrainAsync("masks", new TrainingSpec { Mode = TrainingMode.Finetune, Epochs = 1 }, null, CancellationToken.None);
            Console.WriteLine($"  ours, finetune 1 epoch from an empty data directory, import included: {clock.Elapsed.TotalSeconds:0.0} s wall, held-out test accuracy {cold.Evaluation!.Accuracy:P2}");
        }
        finally
        {
            Directory.Delete(coldRoot, recursive: true);
        }

        if (reference is not null)
        {
            var weights = Path.Combine(root, "ref-weights.pt");
            var mean = Path.Combine(root, "ref-mean.pt");
            var models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
            reference.Run("convert", Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"), Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), weights, mean);
            var py = reference.Run("finetune", "--data", masks, "--weights", weights, "--mean", mean, "--size", "224", "--epochs", "1", "--threads", $"{Environment.ProcessorCount}");
            if (py is { } p)
            {
                Console.WriteLine($"  {p.GetProperty("engine").GetString()}, finetune 1 epoch (batch 32, 224 px, SGD lr 0.001, random 80/20 split of all {p.GetProperty("images").GetInt32()} files, decode included): {p.GetProperty("seconds").GetDouble():0.0} s wall, held-out accuracy {p.GetProperty("test_accuracy").GetDouble():P2}");
            }
        }

        // Reused for the prediction benchmark through a copy of its artifact.
        var artifact = services.GetRequiredService<VisionFactory.Storage.Blobs.BlobStore>().ReadAllBytes(head.ArtifactSha256);
        var path = Path.Combine(Path.GetTempPath(), "vf-bench-head-model.zip");
        await File.WriteAllBytesAsync(path, artifact);
        return path;
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }
}

static void ZooLatency(PyTorchReference? reference, IReadOnlyList<string> names, int rounds)
{
    const int runs = 10, threads = 2;
    Console.WriteLine();
    Console.WriteLine($"## Zoo: single-image CPU inference latency at each default input size, {threads} threads, mean of {runs} runs in the steady state; {rounds} alternating round(s), median");
    Console.WriteLine($"  ours: the product's inference path (ArchitectureDefinition.Build, evaluation mode, inference_mode, ClassifierNetwork.Logits), timed once the JIT has");
    Console.WriteLine($"  settled (SteadyState.WarmUp: >= {VisionFactory.Learning.Inference.SteadyState.TieringPasses} passes, the last {VisionFactory.Learning.Inference.SteadyState.QuietPasses} compiling nothing, at most 20 s; 'warm-up' = passes run)");
    Console.WriteLine($"  pytorch: pytorch_reference.py throughput --batch 1 (its 12 training steps and one evaluation pass before timing); load: {Load()}");
    Console.WriteLine($"  {"architecture",-20} {"size",5} {"warm-up",8} {"ours ms",9} {"pytorch ms",11} {"ratio",7}");
    var catalog = VisionFactory.Learning.Architectures.ArchitectureCatalog.Default;
    var chosen = names.Count > 0
        ? names.Select(catalog.Get).ToList()
        : catalog.All.OrderBy(a => a.Family, StringComparer.Ordinal).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
    var ratios = new List<double>();
    foreach (var architecture in chosen)
    {
        var size = architecture.DefaultImageSize;
        torch.set_num_threads(threads);

        // The reference builds torchvision's network of the same name (the bundled ResNet is torchvision's resnet18 layout plus one block).
        var torchName = architecture.Name is "resnet18-imagenet" or "small_cnn" ? null : architecture.Name;
        var ours = new List<double>();
        var theirs = new List<double>();
        var warmUps = new List<int>();
        using var network = architecture.Build(2, size, loadPretrained: false);
        network.Module.eval();
        using var x = torch.randn(1, 3, size, size);
        for (var round = 0; round < rounds; round++)
        {
            using (inference_mode())
            {
                warmUps.Add(VisionFactory.Learning.Inference.SteadyState.WarmUp(() =>
                {
                    using var scope = NewDisposeScope();
                    network.Logits(x);
                }, TimeSpan.FromSeconds(20)));

                var clock = Stopwatch.StartNew();
                for (var i = 0; i < runs; i++)
                {
                    using var scope = NewDisposeScope();
                    network.Logits(x);
                }

                ours.Add(clock.Elapsed.TotalMilliseconds / runs);
            }

            var py = torchName is null
                ? null
                : reference?.Run("throughput", "--arch", torchName, "--size", $"{size}", "--batch", "1", "--steps", $"{runs}", "--threads", $"{threads}");
            if (py is null && torchName is not null && reference is not null)
            {
                // The shared script trains before it evaluates, which GoogLeNet's and Inception's auxiliary outputs
                // break; ours only evaluates, the same way.
                Console.WriteLine("  (measured with bench/VisionFactory.Bench/pytorch_inference.py: evaluation only)");
                py = new PyTorchReference(Path.Combine(Repository.Root, "bench", "VisionFactory.Bench", "pytorch_inference.py"))
                    .Run("--arch", torchName, "--size", $"{size}", "--batch", "1", "--steps", $"{runs}", "--threads", $"{threads}");
            }
            if (py is { } p)
            {
                theirs.Add(1000.0 / p.GetProperty("infer_img_s").GetDouble());
            }
        }

        var our = Median(ours);
        if (theirs.Count > 0)
        {
            var their = Median(theirs);
            ratios.Add(their / our);
            Console.WriteLine($"  {architecture.Name,-20} {size,5} {warmUps.Min(),8} {our,9:0.0} {their,11:0.0} {their / our,7:0.00}");
        }
        else
        {
            Console.WriteLine($"  {architecture.Name,-20} {size,5} {warmUps.Min(),8} {our,9:0.0} {"n/a",11} {"",7}");
        }
    }

    if (ratios.Count > 0)
    {
        Console.WriteLine($"  ratio = pytorch latency / ours (>= 1 means we are faster): min {ratios.Min():0.00}, median {Median(ratios):0.00}, {ratios.Count(r => r >= 0.9)} of {ratios.Count} at or above 0.9; load: {Load()}");
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}

// The machine's load averages (1, 5, 15 minutes), printed with each measurement: the cores may be shared.
int IntOption(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at > 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static async Task Predict(string masks, string? artifactPath)
{
    Console.WriteLine();
    Console.WriteLine("## Prediction at 224 px (resnet18-imagenet, head model, 2 threads)");
    var files = Directory.EnumerateFiles(masks, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(256).ToList();
    var images = new List<byte[]>();
    foreach (var f in files)
    {
        images.Add(await File.ReadAllBytesAsync(f));
    }

    var architectures = VisionFactory.Learning.Architectures.ArchitectureCatalog.Default;
    using var network = artifactPath is not null
        ? VisionFactory.Learning.Artifacts.ModelArtifact.Read(await File.ReadAllBytesAsync(artifactPath), "bench", architectures).Network
        : architectures.Get("resnet18-imagenet").Build(2, 224, loadPretrained: true);
    torch.set_num_threads(Environment.ProcessorCount);
    var limits = VisionFactory.Imaging.Decoding.ImageLimits.Default;

    double[] Latencies(int n)
    {
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            var clock = Stopwatch.StartNew();
            var rgb = VisionFactory.Imaging.Decoding.ImageDecoder.DecodeSquare(images[i % images.Count], 224, limits, network.Fit).Rgb;
            VisionFactory.Learning.Inference.ImageClassifier.Probabilities(network, [rgb], 1, CancellationToken.None);
            result[i] = clock.Elapsed.TotalMilliseconds;
        }

        return result;
    }

    Latencies(3);
    var latencies = Latencies(50).Order().ToArray();
    Console.WriteLine($"  single image, decode included: p50 {latencies[latencies.Length / 2]:0.0} ms, p95 {latencies[(int)(latencies.Length * 0.95)]:0.0} ms (50 images)");

    var clock = Stopwatch.StartNew();
    var decoded = images.AsParallel().AsOrdered().Select(b => VisionFactory.Imaging.Decoding.ImageDecoder.DecodeSquare(b, 224, limits, network.Fit).Rgb).ToList();
    var decodeSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    VisionFactory.Learning.Inference.ImageClassifier.Probabilities(network, decoded, 32, CancellationToken.None);
    var inferSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"  batched (32 per batch): {images.Count / (decodeSeconds + inferSeconds):0.0} img/s end to end ({images.Count} images: decode {decodeSeconds:0.00} s, network {inferSeconds:0.00} s = {images.Count / inferSeconds:0.0} img/s)");
    if (artifactPath is not null)
    {
        File.Delete(artifactPath);
    }
}
