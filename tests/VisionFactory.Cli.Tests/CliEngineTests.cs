using System.Security.Cryptography;
using System.Text.Json;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf predict --engine onnx|torch|auto</c>: both engines give the same answers, auto uses the engine its first use
/// on this machine measured faster and recorded, and a damaged exported graph is exported again rather than run.
/// </summary>
public sealed class CliEngineTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private string Engines => Path.Combine(fixture.Cli.DataPath, "cache", "engines");

    [Fact]
    public async Task BothEnginesGiveTheSameProbabilitiesAndAutoUsesTheRecordedChoice()
    {
        var squares = Path.Combine(fixture.Source, "squares");
        var torch = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, squares, "--engine", "torch");
        var onnx = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, squares, "--engine", "onnx");
        var auto = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, squares);

        Assert.Equal("torch", torch.GetProperty("engine").GetString());
        Assert.Equal("onnx", onnx.GetProperty("engine").GetString());
        var byTorch = Probabilities(torch);
        var byOnnx = Probabilities(onnx);
        Assert.Equal(20, byTorch.Count);
        Assert.Equal(byTorch.Keys.Order(), byOnnx.Keys.Order());
        foreach (var (file, expected) in byTorch)
        {
            foreach (var (label, p) in expected)
                Assert.True(Math.Abs(p - byOnnx[file][label]) < 1e-4, $"{file} {label}: torch {p}, onnx {byOnnx[file][label]}");
        }

        // The deployment record names the engine auto used and the graph's hash, and the graph is the one recorded.
        var record = Record();
        Assert.Equal(auto.GetProperty("engine").GetString(), record.GetProperty("engine").GetString());
        Assert.True(record.GetProperty("torch_milliseconds").GetDouble() > 0);
        Assert.True(record.GetProperty("onnx_milliseconds").GetDouble() > 0);
        Assert.Equal(record.GetProperty("onnx_sha256").GetString(), Sha256(Graph()));
    }

    [Fact]
    public async Task ADamagedGraphIsExportedAgainInsteadOfRun()
    {
        var circle = Directory.EnumerateFiles(Path.Combine(fixture.Source, "circles")).Order(StringComparer.Ordinal).First();
        var before = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, circle, "--engine", "onnx");
        var graph = Graph();
        await File.WriteAllBytesAsync(graph, [.. (await File.ReadAllBytesAsync(graph)).Take(1000)]);

        var after = await fixture.Cli.RunJsonAsync("predict", fixture.ModelId, circle, "--engine", "onnx");

        Assert.Equal("onnx", after.GetProperty("engine").GetString());
        Assert.Equal(Label(before), Label(after));
        Assert.Equal(Record().GetProperty("onnx_sha256").GetString(), Sha256(Graph()));
    }

    [Fact]
    public async Task AnUnknownEngineIsRefusedWithTheChoices()
    {
        var result = await fixture.Cli.RunAsync("predict", fixture.ModelId, fixture.Source, "--engine", "tensorflow");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("onnx", result.Error, StringComparison.Ordinal);
        Assert.Contains("torch", result.Error, StringComparison.Ordinal);
    }

    private JsonElement Record()
    {
        var files = Directory.GetFiles(Engines, "*.json");
        Assert.Single(files);
        using var document = JsonDocument.Parse(File.ReadAllText(files[0]));
        return document.RootElement.Clone();
    }

    private string Graph() => Assert.Single(Directory.GetFiles(Engines, "*.onnx"));

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string? Label(JsonElement result) => result.GetProperty("predictions")[0].GetProperty("label").GetString();

    private static Dictionary<string, Dictionary<string, double>> Probabilities(JsonElement result) =>
        result.GetProperty("predictions").EnumerateArray().ToDictionary(
            p => p.GetProperty("file").GetString()!,
            p => p.GetProperty("probabilities").EnumerateObject().ToDictionary(kv => kv.Name, kv => kv.Value.GetDouble()));
}
