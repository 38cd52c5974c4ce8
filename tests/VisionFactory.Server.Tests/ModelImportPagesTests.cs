using System.Net;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>The pages an imported model appears on: Compare offers the import to editors and lists it; its own page says where it came from and disables heat maps and export.</summary>
public sealed class ModelImportPagesTests
{
    [Fact]
    public async Task AnImportedModelsPageSaysWhereItCameFromAndDisablesHeatMapsAndExport()
    {
        await using var factory = new ServerFactory();
        using var client = factory.CreateClient();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(ColourMeanClassifier.RedOrGreen().Write()), "file", "colour.onnx" },
            { new StringContent("circles,squares"), "labels" },
            { new StringContent("0.5,0.5,0.5"), "mean" },
            { new StringContent("0.25,0.25,0.25"), "std" },
        };
        using var created = await client.PostAsync("/api/models/imports", form);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["model"]!.GetValue<string>();

        var page = await factory.PageAsync($"/models/{id}");
        var compare = await factory.PageAsync("/compare");

        Assert.Contains("imported from colour.onnx · runs on ONNX Runtime", page, StringComparison.Ordinal);
        Assert.Contains("No heat maps: an imported ONNX model runs on ONNX Runtime only", page, StringComparison.Ordinal);
        var export = System.Text.RegularExpressions.Regex.Match(page, "<[^>]*data-testid=\"export-onnx\"[^>]*>").Value;
        Assert.Contains("disabled", export, StringComparison.Ordinal);
        Assert.Contains("An imported model is its ONNX file already", page, StringComparison.Ordinal);
        Assert.Contains("Import an ONNX model", compare, StringComparison.Ordinal);
        Assert.Contains("imported (ONNX)", compare, StringComparison.Ordinal);
    }
}
