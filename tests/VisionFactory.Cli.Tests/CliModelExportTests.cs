using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf models export</c>: the package's ONNX model classifies like <c>vf predict</c>, from raw RGB pixels alone.</summary>
public sealed class CliModelExportTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public async Task ExportedOnnxModelClassifiesLikePredict()
    {
        var zipPath = Path.Combine(fixture.Cli.Scratch("export"), "model.zip");

        var exported = await fixture.Cli.RunJsonAsync("models", "export", fixture.ModelId, "--format", "onnx", "-o", zipPath);

        Assert.Equal(fixture.ModelId, exported.GetProperty("model").GetString());
        Assert.Equal(17, exported.GetProperty("opset").GetInt32());
        using var zip = ZipFile.OpenRead(zipPath);
        Assert.Equal(
            ["example/Example.csproj", "example/Program.cs", "example/classify.py", "labels.json", "model-card.md", "model.onnx"],
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        string[] labels;
        using (var reader = new StreamReader(zip.GetEntry("labels.json")!.Open()))
            labels = JsonSerializer.Deserialize<string[]>(await reader.ReadToEndAsync())!;
        Assert.Equal(["circles", "squares"], labels);
        using (var reader = new StreamReader(zip.GetEntry("model-card.md")!.Open()))
        {
            var card = await reader.ReadToEndAsync();
            Assert.Contains("shapes version 1", card, StringComparison.Ordinal);
            Assert.Contains("## Own test split", card, StringComparison.Ordinal);
            Assert.Contains("| circles |", card, StringComparison.Ordinal);
        }

        var onnxPath = Path.Combine(fixture.Cli.Scratch("export"), "model.onnx");
        zip.GetEntry("model.onnx")!.ExtractToFile(onnxPath, overwrite: true);
        using var session = new InferenceSession(onnxPath);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        var size = int.Parse(metadata["image_size"], System.Globalization.CultureInfo.InvariantCulture);
        var fit = metadata["fit"] == "center-crop" ? SquareFit.CenterCrop : SquareFit.Stretch;
        Assert.Equal(fixture.ModelId, metadata["model_id"]);

        var images = Directory.GetFiles(Path.Combine(fixture.Source, "circles")).Order(StringComparer.Ordinal).Take(3)
            .Concat(Directory.GetFiles(Path.Combine(fixture.Source, "squares")).Order(StringComparer.Ordinal).Take(3)).ToArray();
        var predicted = await fixture.Cli.RunJsonAsync(["predict", fixture.ModelId, .. images]);
        var predictions = predicted.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(images.Length, predictions.Count);

        for (var i = 0; i < images.Length; i++)
        {
            // What a user of the package does (VisionFactory.Testing.ExportedModel), not the product's engine.
            var probabilities = ExportedModel.Probabilities(session, await File.ReadAllBytesAsync(images[i]), size, fit);

            var expected = predictions[i].GetProperty("probabilities");
            Assert.Equal(predictions[i].GetProperty("label").GetString(), labels[Array.IndexOf(probabilities, probabilities.Max())]);
            for (var c = 0; c < labels.Length; c++)
                Assert.Equal(expected.GetProperty(labels[c]).GetDouble(), probabilities[c], 1e-4);
        }
    }

    [Fact]
    public async Task AnInt8ExportIsQuantisedCheckedOnBothSetsAndLabelsLikePredict()
    {
        var folder = fixture.Cli.Scratch("export-int8");
        var plainPath = Path.Combine(folder, "float.zip");
        var int8Path = Path.Combine(folder, "int8.zip");
        await fixture.Cli.RunJsonAsync("models", "export", fixture.ModelId, "-o", plainPath);

        var exported = await fixture.Cli.RunJsonAsync("models", "export", fixture.ModelId, "--int8", "--external", "shapes", "-o", int8Path);

        var int8 = exported.GetProperty("int8");
        Assert.True(int8.GetProperty("quantized_layers").GetInt32() > 0);
        var sets = int8.GetProperty("sets").EnumerateArray().ToList();
        Assert.Equal(["test split of shapes v1", "shapes v1"], sets.Select(s => s.GetProperty("set").GetString()));
        Assert.Equal(40, sets[1].GetProperty("images").GetInt32());
        foreach (var set in sets)
        {
            Assert.True(set.GetProperty("drop_points").GetDouble() <= 0.5, $"{set}");
            Assert.True(set.GetProperty("float32_accuracy").GetDouble() >= 0.9, $"{set}");
        }

        using var plain = ZipFile.OpenRead(plainPath);
        using var zip = ZipFile.OpenRead(int8Path);
        Assert.True(zip.GetEntry("model.onnx")!.Length < plain.GetEntry("model.onnx")!.Length / 3,
            $"INT8 model.onnx {zip.GetEntry("model.onnx")!.Length} bytes against {plain.GetEntry("model.onnx")!.Length}");
        using (var reader = new StreamReader(zip.GetEntry("model-card.md")!.Open()))
        {
            var card = await reader.ReadToEndAsync();
            Assert.Contains("## INT8", card, StringComparison.Ordinal);
            Assert.Contains("| test split of shapes v1 (", card, StringComparison.Ordinal);
        }

        var onnxPath = Path.Combine(folder, "int8.onnx");
        zip.GetEntry("model.onnx")!.ExtractToFile(onnxPath, overwrite: true);
        Assert.Contains("QuantizeLinear", System.Text.Encoding.ASCII.GetString(await File.ReadAllBytesAsync(onnxPath)), StringComparison.Ordinal);
        using var session = new InferenceSession(onnxPath);
        var size = int.Parse(session.ModelMetadata.CustomMetadataMap["image_size"], System.Globalization.CultureInfo.InvariantCulture);
        var fit = session.ModelMetadata.CustomMetadataMap["fit"] == "center-crop" ? SquareFit.CenterCrop : SquareFit.Stretch;
        string[] labels = ["circles", "squares"];
        var images = Directory.GetFiles(Path.Combine(fixture.Source, "circles")).Order(StringComparer.Ordinal).Take(3)
            .Concat(Directory.GetFiles(Path.Combine(fixture.Source, "squares")).Order(StringComparer.Ordinal).Take(3)).ToArray();
        var predictions = (await fixture.Cli.RunJsonAsync(["predict", fixture.ModelId, .. images])).GetProperty("predictions").EnumerateArray().ToList();
        for (var i = 0; i < images.Length; i++)
        {
            var probabilities = ExportedModel.Probabilities(session, await File.ReadAllBytesAsync(images[i]), size, fit);
            Assert.Equal(predictions[i].GetProperty("label").GetString(), labels[Array.IndexOf(probabilities, probabilities.Max())]);
        }
    }

    [Fact]
    public async Task AnExternalSetWithoutInt8IsRefused()
    {
        var result = await fixture.Cli.RunAsync("models", "export", fixture.ModelId, "--external", "shapes", "-o", Path.Combine(fixture.Cli.Scratch("export"), "z.zip"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("add --int8", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownFormatIsRefusedWithOneMessage()
    {
        var result = await fixture.Cli.RunAsync("models", "export", fixture.ModelId, "--format", "tflite", "-o", Path.Combine(fixture.Cli.Scratch("export"), "x.zip"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown export format 'tflite'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownModelIsNotFound()
    {
        var result = await fixture.Cli.RunAsync("models", "export", "m-00000000", "-o", Path.Combine(fixture.Cli.Scratch("export"), "y.zip"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("model 'm-00000000' does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(fixture.Cli.Scratch("export"), "y.zip")));
    }
}
