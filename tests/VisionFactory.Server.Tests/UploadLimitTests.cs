using System.Net.Http.Headers;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Every route that takes an upload answers 413 with a ProblemDetails past its limit, on the real server (Kestrel,
/// which enforces the request body limits), never 400 or 500.
/// </summary>
public sealed class UploadLimitTests
{
    private const int Limit = 100_000;

    public static TheoryData<string, string> Routes => new()
    {
        { "/api/datasets/big/images", "multipart" },
        { "/api/datasets/big/imports", "multipart-zip" },
        { "/api/datasets/big/import-jobs", "multipart" },
        { "/api/datasets/big/import-jobs/geo", "multipart-geo" },
        { "/api/models/m-00000000/predictions", "multipart" },
        { "/api/models/m-00000000/explanations", "multipart-one" },
        { "/api/models/m-00000000/classifications", "multipart-zip" },
        { "/api/predict?model=m-00000000", "image" },
        { "/api/pipelines", "definition" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task UploadPastTheLimitIs413(string route, string kind)
    {
        using var data = new TempDirectory();
        var settings = new Dictionary<string, string>
        {
            ["Server__MaxImportUploadBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Server__MaxPredictionUploadBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Server__MaxImageUploadBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var vf = await VfProcess.StartAsync("uploads", data.Combine("data"), null, "web", settings);

        // Past the limit plus the room every route leaves for multipart framing (1 MiB), and past the 1 MiB of a pipeline definition.
        using var content = Body(kind, Limit + (2 << 20));
        using var response = await vf.Client.PostAsync(route, content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 413, $"{route} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("limit", text, StringComparison.OrdinalIgnoreCase);
    }

    private static HttpContent Body(string kind, int bytes)
    {
        var payload = new byte[bytes];
        Random.Shared.NextBytes(payload);
        if (kind == "image")
        {
            var image = new ByteArrayContent(payload);
            image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            return image;
        }

        if (kind == "definition")
        {
            return new StringContent("name: big\n# " + new string('x', bytes), System.Text.Encoding.UTF8, "application/yaml");
        }

        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(payload);
        switch (kind)
        {
            case "multipart-zip":
                file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
                form.Add(file, "file", "big.zip");
                break;
            case "multipart-geo":
                file.Headers.ContentType = new MediaTypeHeaderValue("image/tiff");
                form.Add(new StringContent("{}"), "options");
                form.Add(file, "files", "scene.tif");
                break;
            default:
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "files", "big.jpg");
                break;
        }

        return form;
    }
}
