using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using VisionFactory.Domain.Zoo;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// <c>/api/zoo/weights</c> of a separately started <c>vf serve</c> whose administrator set <c>Zoo:Weights:Mirror</c> to a
/// mirror on loopback serving a generated ShuffleNet v2 x0.5 state dict (a PyTorch .pth) under a torchvision-style name.
/// </summary>
public sealed class ZooWeightsApiTests : IDisposable
{
    private const string Architecture = "shufflenet_v2_x0_5";
    private readonly TempDirectory temp = new("vf-weights-api");
    private readonly FileMirrorServer mirror = new();

    public void Dispose()
    {
        mirror.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task PostDownloadsFromTheConfiguredMirrorAndTheListShowsItPresent()
    {
        var content = Generate();
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var file = $"shufflenetv2_x0.5-{sha[..10]}.pth";
        mirror.Add(file, content);
        var resnet18 = PublishedWeightsCatalog.Official.Single(e => e.Architecture == "resnet18");
        mirror.Add(resnet18.FileName, content);
        var catalog = temp.Combine("catalog.json");
        await File.WriteAllTextAsync(catalog, JsonSerializer.Serialize(new[] { new { architecture = Architecture, file, sha256 = sha } }));
        using var server = await VfProcess.StartAsync("web", temp.Combine("data"), null, "web", new Dictionary<string, string>
        {
            ["Zoo__Weights__Mirror"] = mirror.BaseUri.ToString(),
            ["Zoo__Weights__CatalogFile"] = catalog,
        });

        var before = await server.Client.GetFromJsonAsync<JsonElement>("/api/zoo/weights");
        using var got = await server.Client.PostAsync($"/api/zoo/weights/{Architecture}", null);
        var after = await server.Client.GetFromJsonAsync<JsonElement>("/api/zoo/weights");
        using var wrong = await server.Client.PostAsync("/api/zoo/weights/resnet18", null);
        using var unknown = await server.Client.PostAsync("/api/zoo/weights/small_cnn", null);

        Assert.False(Entry(before, Architecture).GetProperty("present").GetBoolean());
        Assert.Equal(new Uri(mirror.BaseUri, file).ToString(), Entry(before, Architecture).GetProperty("address").GetString());
        Assert.True(got.IsSuccessStatusCode, await got.Content.ReadAsStringAsync());
        var stored = Entry(after, Architecture);
        Assert.True(stored.GetProperty("present").GetBoolean());
        Assert.True(stored.GetProperty("stored_bytes").GetInt64() > 1_000_000);
        Assert.Equal(new Uri(mirror.BaseUri, file).ToString(), stored.GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.BadGateway, wrong.StatusCode);
        Assert.Contains(resnet18.Sha256, await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(Entry(after, "resnet18").GetProperty("present").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    private static JsonElement Entry(JsonElement list, string architecture) =>
        list.EnumerateArray().Single(e => e.GetProperty("architecture").GetString() == architecture);

    private static byte[] Generate() => GeneratedWeights.Pth(Architecture);
}
