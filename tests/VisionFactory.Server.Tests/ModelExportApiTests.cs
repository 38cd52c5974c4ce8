using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary><c>GET /api/models/{id}/export</c>: the zip's ONNX model classifies like <c>POST /api/models/{id}/predictions</c>.</summary>
public sealed class ModelExportApiTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public async Task ExportedOnnxModelClassifiesLikeThePredictionsRoute()
    {
        using var client = fixture.Factory.CreateClient();

        using var response = await client.GetAsync($"/api/models/{fixture.ModelId}/export?format=onnx");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{fixture.ModelId}.onnx.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        string[] labels;
        using (var reader = new StreamReader(zip.GetEntry("labels.json")!.Open()))
            labels = JsonSerializer.Deserialize<string[]>(await reader.ReadToEndAsync())!;
        Assert.Equal(["blue", "green", "red"], labels.Order(StringComparer.Ordinal));
        Assert.NotNull(zip.GetEntry("model-card.md"));
        Assert.NotNull(zip.GetEntry("example/Program.cs"));
        Assert.NotNull(zip.GetEntry("example/classify.py"));
        byte[] onnx;
        using (var buffer = new MemoryStream())
        {
            await using (var entry = zip.GetEntry("model.onnx")!.Open())
                await entry.CopyToAsync(buffer);
            onnx = buffer.ToArray();
        }

        using var session = new InferenceSession(onnx);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        var size = int.Parse(metadata["image_size"], System.Globalization.CultureInfo.InvariantCulture);
        var fit = metadata["fit"] == "center-crop" ? SquareFit.CenterCrop : SquareFit.Stretch;

        var images = TinyImageFolder.ThreeClasses.Select((c, i) => (Name: $"{c.Name}.png", Bytes: TinyImageFolder.Image(c.Colour, 40 + i))).ToList();
        using var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in images)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(content, "files", name);
        }

        var predictions = (await Json.ReadAsync(await client.PostAsync($"/api/models/{fixture.ModelId}/predictions", form)))["predictions"]!.AsArray();
        for (var i = 0; i < images.Count; i++)
        {
            // What a user of the package does (VisionFactory.Testing.ExportedModel), not the product's engine.
            var probabilities = ExportedModel.Probabilities(session, images[i].Bytes, size, fit);

            var expected = predictions[i]!;
            Assert.Equal((string?)expected["label"], labels[Array.IndexOf(probabilities, probabilities.Max())]);
            for (var c = 0; c < labels.Length; c++)
                Assert.Equal((double)expected["probabilities"]![labels[c]]!, probabilities[c], 1e-4);
        }
    }

    [Fact]
    public async Task Int8IsAskedForInTheQueryAndAnExternalSetAloneIs400()
    {
        using var client = fixture.Factory.CreateClient();

        using var response = await client.GetAsync($"/api/models/{fixture.ModelId}/export?format=onnx&int8=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        using (var reader = new StreamReader(zip.GetEntry("model-card.md")!.Open()))
            Assert.Contains("## INT8", await reader.ReadToEndAsync(), StringComparison.Ordinal);
        using (var buffer = new MemoryStream())
        {
            await using (var entry = zip.GetEntry("model.onnx")!.Open())
                await entry.CopyToAsync(buffer);
            Assert.Contains("QuantizeLinear", System.Text.Encoding.ASCII.GetString(buffer.ToArray()), StringComparison.Ordinal);
        }

        using var refused = await client.GetAsync($"/api/models/{fixture.ModelId}/export?format=onnx&external=other");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("int8", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownFormatIs400AndAnUnknownModel404()
    {
        using var client = fixture.Factory.CreateClient();

        var badFormat = await Json.ProblemAsync(await client.GetAsync($"/api/models/{fixture.ModelId}/export?format=tflite"), 400);
        var noModel = await Json.ProblemAsync(await client.GetAsync("/api/models/m-00000000/export"), 404);

        Assert.Contains("unknown export format 'tflite'", (string?)badFormat["detail"], StringComparison.Ordinal);
        Assert.Contains("model 'm-00000000' does not exist", (string?)noModel["detail"], StringComparison.Ordinal);
    }
}
