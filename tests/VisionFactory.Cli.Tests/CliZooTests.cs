using System.Text.Json;
using TorchSharp.PyBridge;
using VisionFactory.Learning.Architectures;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>One data directory for the zoo tests, so parameters and FLOPs are counted once.</summary>
public sealed class ZooFixture : IDisposable
{
    public CliRunner Cli { get; } = new();

    public void Dispose() => Cli.Dispose();
}

public sealed class CliZooTests(ZooFixture fixture) : IClassFixture<ZooFixture>
{
    private static readonly string[] Families =
    [
        "ResNet", "ResNeXt", "Wide ResNet", "Inception", "GoogLeNet", "DenseNet", "MobileNet", "SqueezeNet", "VGG",
        "AlexNet", "EfficientNet", "ShuffleNet", "MnasNet", "RegNet", "ConvNeXt", "Small CNN",
    ];

    private static readonly string[] Labels = ["a", "b"];

    private readonly CliRunner cli = fixture.Cli;

    [Fact]
    public async Task ZooListShowsEveryFamilyWithMeasuredFigures()
    {
        var list = (await cli.RunJsonAsync("zoo", "list")).EnumerateArray().ToList();

        Assert.True(list.Count >= 30, $"{list.Count} architectures");
        Assert.All(Families, f => Assert.Contains(list, e => e.GetProperty("family").GetString() == f));
        var resnet50 = list.Single(e => e.GetProperty("name").GetString() == "resnet50");
        Assert.Equal(25_557_032, resnet50.GetProperty("params").GetInt64());
        Assert.InRange(resnet50.GetProperty("flops").GetInt64(), 4.0e9, 4.2e9);
        Assert.Equal(224, resnet50.GetProperty("input_size").GetInt32());
        Assert.False(resnet50.GetProperty("pretrained").GetBoolean());
        Assert.Equal(JsonValueKind.Null, resnet50.GetProperty("cpu_latency_ms").ValueKind);
        Assert.True(list.Single(e => e.GetProperty("name").GetString() == "resnet18-imagenet").GetProperty("pretrained").GetBoolean());
        Assert.Equal(299, list.Single(e => e.GetProperty("name").GetString() == "inception_v3").GetProperty("input_size").GetInt32());
    }

    [Fact]
    public async Task ZooBenchMeasuresAndStoresLatency()
    {
        var bench = (await cli.RunJsonAsync("zoo", "bench", "--arch", "small_cnn", "--threads", "1")).EnumerateArray().ToList();
        var list = (await cli.RunJsonAsync("zoo", "list")).EnumerateArray().ToList();

        var measured = Assert.Single(bench);
        Assert.True(measured.GetProperty("cpu_latency_ms").GetDouble() > 0);
        var stored = list.Single(e => e.GetProperty("name").GetString() == "small_cnn");
        Assert.Equal(measured.GetProperty("cpu_latency_ms").GetDouble(), stored.GetProperty("cpu_latency_ms").GetDouble());
        Assert.Equal(1, stored.GetProperty("latency_threads").GetInt32());
    }

    [Fact]
    public async Task AnotherArchitectureFinetunesThroughTheSameTrainer()
    {
        var source = cli.Scratch("mobile");
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 8);
        await cli.RunJsonAsync("dataset", "import", "mobile", source);

        var train = await cli.RunJsonAsync("train", "mobile", "--arch", "mobilenet_v3_small", "--mode", "finetune", "--image-size", "32", "--epochs", "1", "--batch-size", "4", "--wait");
        var predict = await cli.RunJsonAsync("predict", train.GetProperty("model").GetString()!, Path.Combine(source, "a", "000.png"));

        Assert.Equal("mobilenet_v3_small", train.GetProperty("architecture").GetString());
        Assert.Contains(predict.GetProperty("predictions")[0].GetProperty("label").GetString(), Labels);
    }

    [Fact]
    public async Task HeadModeWithoutPretrainedWeightsSaysHowToGetThem()
    {
        var source = cli.Scratch("dense");
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 4);
        await cli.RunJsonAsync("dataset", "import", "dense", source);

        var result = await cli.RunAsync("train", "dense", "--arch", "densenet121", "--mode", "head", "--image-size", "32");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("vf zoo import-weights densenet121", result.Error, StringComparison.Ordinal);
        Assert.Contains("vf zoo weights get densenet121", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportedImageNetWeightsBecomeTheStartingPointWithAFreshHead()
    {
        var weights = Path.Combine(cli.Scratch("weights"), "shufflenet.safetensors");
        using (var imagenet = ArchitectureCatalog.Default.Get("shufflenet_v2_x0_5").CreateModule(1000))
        {
            Safetensors.SaveStateDict(weights, imagenet.state_dict());
        }

        var imported = await cli.RunJsonAsync("zoo", "import-weights", "shufflenet_v2_x0_5", weights);
        var list = (await cli.RunJsonAsync("zoo", "list")).EnumerateArray().ToList();
        var source = cli.Scratch("shuffle");
        SyntheticImages.WriteDataset(source, ["a", "b"], perClass: 8);
        await cli.RunJsonAsync("dataset", "import", "shuffle", source);
        var train = await cli.RunJsonAsync("train", "shuffle", "--arch", "shufflenet_v2_x0_5", "--mode", "head", "--image-size", "32", "--epochs", "5", "--batch-size", "4", "--wait");

        Assert.Equal(1000, imported.GetProperty("head_classes").GetInt32());
        Assert.True(list.Single(e => e.GetProperty("name").GetString() == "shufflenet_v2_x0_5").GetProperty("pretrained").GetBoolean());
        Assert.Equal(5, train.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task WeightsOfAnotherArchitectureAreRefusedWithTheMismatchReport()
    {
        var weights = Path.Combine(cli.Scratch("weights"), "resnet34.safetensors");
        using (var resnet34 = ArchitectureCatalog.Default.Get("resnet34").CreateModule(1000))
        {
            Safetensors.SaveStateDict(weights, resnet34.state_dict());
        }

        var result = await cli.RunAsync("zoo", "import-weights", "resnet18", weights);
        var list = (await cli.RunJsonAsync("zoo", "list")).EnumerateArray().ToList();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not fit resnet18", result.Error, StringComparison.Ordinal);
        Assert.Contains("unexpected", result.Error, StringComparison.Ordinal);
        Assert.False(list.Single(e => e.GetProperty("name").GetString() == "resnet18").GetProperty("pretrained").GetBoolean());
    }
}
