using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// <c>POST /api/models/imports</c> on a separately started <c>vf serve</c>: an ONNX classifier from elsewhere becomes a
/// model that predicts, evaluates by class name and joins its dataset's leaderboard; bad uploads are 400 ProblemDetails
/// with nothing registered, and a viewer is refused.
/// </summary>
public sealed class ModelImportApiTests
{
    private static readonly double[] Mean = [0.5, 0.5, 0.5];
    private static readonly double[] Std = [0.25, 0.25, 0.25];

    [Fact]
    public async Task AnOnnxClassifierUploadedWithItsLabelsBecomesAModelThatPredictsEvaluatesAndRanks()
    {
        using var temp = new TempDirectory("vf-import-api");
        var source = temp.Combine("shapes");
        SyntheticImages.WriteDataset(source, ["circles", "squares"], perClass: 10, distinct: true);
        var data = temp.Combine("data");
        var imported = await VfCommand.RunAsync("dataset", "import", "shapes", source, "--data", data);
        Assert.True(imported.ExitCode == 0, imported.Error);
        using var vf = await VfProcess.StartAsync("import-api", data, null, "web");
        var classifier = ColourMeanClassifier.RedOrGreen();

        using var created = await vf.Client.PostAsync("/api/models/imports", Form(classifier.Write(), "colour.onnx",
            ("labels", "circles,squares"), ("mean", "0.5,0.5,0.5"), ("std", "0.25,0.25,0.25"), ("dataset", "shapes"), ("name", "colour-rule")));

        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var model = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = model["model"]!.GetValue<string>();
        Assert.Equal($"/api/models/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(("onnx", 16, false, "shapes"), (model["engine"]!.GetValue<string>(), model["image_size"]!.GetValue<int>(),
            model["vision_factory_export"]!.GetValue<bool>(), model["dataset"]!.GetValue<string>()));
        Assert.Equal(1.0, model["test_accuracy"]!.GetValue<double>());

        var pictures = new[] { ("c.png", SyntheticImages.Encode(0, 101, distinct: true)), ("s.png", SyntheticImages.Encode(1, 102, distinct: true)) };
        using var upload = new MultipartFormDataContent();
        foreach (var (name, bytes) in pictures)
            upload.Add(new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "files", name);
        using var predicted = await vf.Client.PostAsync($"/api/models/{id}/predictions", upload);
        var predictions = JsonNode.Parse(await predicted.Content.ReadAsStringAsync())!["predictions"]!.AsArray();
        Assert.Equal(["circles", "squares"], predictions.Select(p => p!["label"]!.GetValue<string>()));
        for (var i = 0; i < pictures.Length; i++)
        {
            var expected = classifier.Probabilities(pictures[i].Item2, 16, Mean, Std);
            Assert.Equal(expected[0], predictions[i]!["probabilities"]!["circles"]!.GetValue<double>(), 1e-4);
            Assert.Equal(expected[1], predictions[i]!["probabilities"]!["squares"]!.GetValue<double>(), 1e-4);
        }

        var evaluation = await vf.GetAsync($"/api/models/{id}/evaluation?dataset=shapes&split=all");
        Assert.Equal((20, 1.0), (evaluation["images"]!.GetValue<int>(), evaluation["accuracy"]!.GetValue<double>()));
        var details = await vf.GetAsync($"/api/models/{id}");
        Assert.Equal("colour.onnx", details["imported_from"]!.GetValue<string>());
        var leaderboard = (await vf.Client.GetStringAsync("/api/datasets/shapes/leaderboard?sort=accuracy"));
        Assert.Contains(id, leaderboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadUploadsAreProblemsAndAViewerIsRefusedWithNothingRegistered()
    {
        using var temp = new TempDirectory("vf-import-api-bad");
        using var vf = await VfProcess.StartAsync("import-api-bad", temp.Combine("data"), null, "web");
        var graph = ColourMeanClassifier.RedOrGreen().Write();
        await vf.PostAsync("/api/users", new { user_name = "vera", password = AdminKey.Password, role = "viewer" });
        using var viewer = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = vf.Client.BaseAddress };
        using (var login = await viewer.PostAsJsonAsync("/api/auth/login", new { user_name = "vera", password = AdminKey.Password }))
            Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());

        using var wrongWidth = await vf.Client.PostAsync("/api/models/imports", Form(graph, "colour.onnx", ("labels", "a,b,c"), ("mean", "0,0,0"), ("std", "1,1,1")));
        using var noLabels = await vf.Client.PostAsync("/api/models/imports", Form(graph, "colour.onnx", ("mean", "0,0,0"), ("std", "1,1,1")));
        using var notOnnx = await vf.Client.PostAsync("/api/models/imports", Form("not a model"u8.ToArray(), "notes.onnx", ("labels", "a,b")));
        using var noFile = await vf.Client.PostAsync("/api/models/imports", new MultipartFormDataContent { { new StringContent("a,b"), "labels" } });
        using var byViewer = await viewer.PostAsync("/api/models/imports", Form(graph, "colour.onnx", ("labels", "a,b"), ("mean", "0,0,0"), ("std", "1,1,1")));

        await AssertProblem(wrongWidth, HttpStatusCode.BadRequest, "output 'scores' scores 2 classes, but 3 labels were given");
        await AssertProblem(noLabels, HttpStatusCode.BadRequest, "carries no class names");
        await AssertProblem(notOnnx, HttpStatusCode.BadRequest, "'notes.onnx' is not an ONNX model");
        await AssertProblem(noFile, HttpStatusCode.BadRequest, "no 'file' part");
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Empty((await vf.GetAsync("/api/models")).AsArray());
    }

    private static MultipartFormDataContent Form(byte[] file, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", fileName } };
        foreach (var (name, value) in fields)
            form.Add(new StringContent(value), name);
        return form;
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string message)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, JsonNode.Parse(text)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
