using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Acceptance.Tests;

/// <summary>
/// <c>vf serve</c> from the published folder, as a separate process driven over HTTP with an API key: the whole
/// journey, then a restart that must predict before anything trains (it once could not: the first tensor of the new
/// process came from reading a stored model).
/// </summary>
[Collection(PublishedVfGroup.Name)]
public sealed class ServeTests(PublishedVf vf)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task AServerTrainsExplainsAndPredictsAndPredictsAgainAfterARestartBeforeAnythingTrains()
    {
        var here = vf.NewFolder("serve");
        var data = Path.Combine(here, "data");
        var shapes = Path.Combine(here, "shapes");
        var other = Path.Combine(here, "other");
        SyntheticImages.WriteDataset(shapes, ["circles", "squares"], perClass: 20, distinct: true);
        SyntheticImages.WriteDataset(other, ["circles", "squares"], perClass: 5, firstStyle: 40, distinct: true);
        var image = await File.ReadAllBytesAsync(Directory.EnumerateFiles(Path.Combine(other, "squares")).First());

        string model;
        JsonNode before;
        using (var server = await vf.ServeAsync("first", data))
        {
            // The web UI's own files come with the published vf (a console app's publish once left them out).
            foreach (var asset in (string[])["/app.css", "/_framework/blazor.web.js", "/_content/MudBlazor/MudBlazor.min.css"])
            {
                using var response = await server.Client.GetAsync(new Uri(asset, UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset} answered {(int)response.StatusCode}\n{server.Log}");
            }

            Assert.Equal(40, (int)(await UploadZip(server, "shapes", shapes))["images"]!);
            Assert.Equal(10, (int)(await UploadZip(server, "other", other))["images"]!);
            var run = await server.PostAsync("/api/runs", new { dataset = "shapes", mode = "head", epochs = 20, batch_size = 8, image_size = 32 });
            var finished = await server.WaitForRunAsync((string)run["id"]!, r => (string?)r["state"] is "succeeded" or "failed", Patience);
            Assert.True((string?)finished["state"] == "succeeded", finished.ToJsonString());
            model = (string)finished["model"]!;

            var evaluation = await server.GetAsync($"/api/models/{model}/evaluation");
            Assert.True((double)evaluation["accuracy"]! >= 0.9, evaluation.ToJsonString());
            var across = await server.GetAsync($"/api/models/{model}/evaluation?dataset=other&split=all");
            Assert.Equal(10, (int)across["images"]!);

            using (var explain = Upload(image))
            {
                var png = await server.Client.PostAsync(new Uri($"/api/models/{model}/explanations?method=gradcam&size=64", UriKind.Relative), explain);
                Assert.Equal(HttpStatusCode.OK, png.StatusCode);
                Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            }

            before = await Predict(server, model, image);
            Assert.Equal(0, server.Terminate(TimeSpan.FromSeconds(30)));
        }

        // A new process on the same data: nothing has made a tensor yet when the first prediction arrives.
        using var restarted = await vf.ServeAsync("restarted", data);
        var after = await Predict(restarted, model, image);
        Assert.Equal((string?)before["label"], (string?)after["label"]);
        Assert.Equal((double)before["confidence"]!, (double)after["confidence"]!, 1e-4);

        using var single = new ByteArrayContent(image);
        single.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var served = await Expect(restarted, await restarted.Client.PostAsync(new Uri($"/api/predict?model={model}", UriKind.Relative), single, timeout.Token), HttpStatusCode.OK);
        Assert.Equal((string?)before["label"], (string?)served["label"]);

        // And training still works in that process afterwards.
        var again = await restarted.PostAsync("/api/runs", new { dataset = "shapes", mode = "head", epochs = 5, batch_size = 8, image_size = 32 });
        var done = await restarted.WaitForRunAsync((string)again["id"]!, r => (string?)r["state"] is "succeeded" or "failed", Patience);
        Assert.True((string?)done["state"] == "succeeded", done.ToJsonString());
    }

    [Fact]
    public void ASecondServerOnATakenPortSaysSoInOneLineAndExitsWith4()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var here = vf.NewFolder("port");

        var result = vf.Run(here, null, "serve", "--urls", $"http://127.0.0.1:{port}", "--data", Path.Combine(here, "data"));

        Assert.Equal(4, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Contains($"cannot listen on http://127.0.0.1:{port}: the address is already in use", result.Error, StringComparison.Ordinal);
        Assert.Contains("--urls", result.Error, StringComparison.Ordinal);
    }

    private static async Task<JsonNode> UploadZip(VfProcess server, string dataset, string folder)
    {
        var zip = folder + ".zip";
        ZipFile.CreateFromDirectory(folder, zip);
        using var upload = new MultipartFormDataContent();
        var archive = new ByteArrayContent(await File.ReadAllBytesAsync(zip));
        archive.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        upload.Add(archive, "archive", Path.GetFileName(zip));
        return await Expect(server, await server.Client.PostAsync(new Uri($"/api/datasets/{dataset}/imports", UriKind.Relative), upload), HttpStatusCode.Created);
    }

    private static async Task<JsonNode> Predict(VfProcess server, string model, byte[] image)
    {
        using var form = Upload(image);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answer = await Expect(server, await server.Client.PostAsync(new Uri($"/api/models/{model}/predictions", UriKind.Relative), form, timeout.Token), HttpStatusCode.OK);
        var prediction = answer["predictions"]![0]!;
        Assert.Contains((string?)prediction["label"], (string[])["circles", "squares"]);
        return prediction;
    }

    private static MultipartFormDataContent Upload(byte[] image)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "files", "picture.png");
        return form;
    }

    private static async Task<JsonNode> Expect(VfProcess server, HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}\n--- server ---\n{server.Log}");
        return JsonNode.Parse(text)!;
    }
}
