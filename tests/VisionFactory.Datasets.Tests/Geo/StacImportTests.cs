using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Collect.Geo.Stac;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests.Geo;

/// <summary>The STAC search client and scene downloads against a local catalogue speaking the STAC API's JSON.</summary>
public sealed class StacImportTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-stac");
    private readonly ConcurrentQueue<JsonObject> searches = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task SearchFollowsNextLinksWithMergedBodies()
    {
        using var catalogue = Catalogue(out _);
        using var fetcher = Fetcher();
        var search = new StacSearch
        {
            Collections = ["sentinel-2-l2a"],
            Bbox = [8.9, 45.0, 9.1, 45.2],
            Datetime = "2024-06-01T00:00:00Z/2024-06-30T23:59:59Z",
            MaxCloudCover = 20,
            MaxItems = 5,
            PageSize = 2,
        };

        var items = await new StacClient(fetcher).SearchAsync(catalogue.Url("v1"), search, CancellationToken.None);

        Assert.Equal(["S2A_1", "S2B_2", "S2A_3"], items.Select(i => i.Id));
        Assert.Equal(12.5, items[1].CloudCover);
        var pages = searches.ToList();
        Assert.Equal(2, pages.Count);
        Assert.Equal("sentinel-2-l2a", (string?)pages[0]["collections"]![0]);
        Assert.Equal(9.1, (double)pages[0]["bbox"]![2]!);
        Assert.Equal(20.0, (double)pages[0]["query"]!["eo:cloud_cover"]!["lte"]!);
        Assert.Equal("2024-06-01T00:00:00Z/2024-06-30T23:59:59Z", (string?)pages[0]["datetime"]);
        Assert.Equal("page-2", (string?)pages[1]["token"]);
        Assert.Equal("sentinel-2-l2a", (string?)pages[1]["collections"]![0]);
        Assert.Equal(new Uri(catalogue.BaseUri, "assets/S2A_1/B04.tif"), items[0].Select(["B04"])[0].Href);
    }

    [Fact]
    public async Task ChosenBandAssetsAreDownloadedStackedChippedAndTheDownloadsRemoved()
    {
        await using var f = await ImportFixture.CreateAsync();
        using var catalogue = Catalogue(out var hits);
        var labels = GeoTestScenes.LabelsGeoJson(temp.Path, "class", ("forest", 0, 1280), ("water", 1280, 2560));
        var downloads = temp.Combine("downloads");
        Directory.CreateDirectory(downloads);

        using (var source = await GeoImport.OpenAsync(
            [catalogue.Url("v1").ToString()],
            new GeoImportOptions { Chips = GeoChipOptions.Default with { Size = 128 }, LabelsPath = labels },
            new StacSearch { Collections = ["sentinel-2-l2a"], Assets = ["B04", "green", "blue"], MaxItems = 2 },
            WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], PerHostInterval = TimeSpan.Zero },
            downloads,
            CancellationToken.None))
        {
            var version = await f.Importer.ImportFromAsync("stac", source, null, Import.ImportOptions.Default, null, CancellationToken.None);

            Assert.Equal(["forest", "water"], version.Classes);
            Assert.Equal(8, version.Items.Count);
            Assert.Contains(version.Items, i => i.SourcePath == "water/S2B_2_x128_y128.png");
            Assert.Single(Directory.GetDirectories(downloads));
            Assert.Equal([1, 2, 3], source.Chippers[0].BandNumbers);
            Assert.Equal(["red", "green", "blue"], source.Scenes[0].Bands.Select(b => b.Name));
        }

        Assert.Empty(Directory.GetDirectories(downloads));
        Assert.Contains("/assets/S2A_1/B04.tif", hits);
        Assert.DoesNotContain("/assets/S2A_1/B08.tif", hits);
        Assert.DoesNotContain(hits, h => h.StartsWith("/assets/S2A_3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAssetOnAnInternalAddressIsRefusedAndNothingIsLeftBehind()
    {
        using var catalogue = Catalogue(out _, assetHost: "127.0.0.1");
        var downloads = temp.Combine("downloads");
        Directory.CreateDirectory(downloads);
        var labels = GeoTestScenes.LabelsGeoJson(temp.Path, "class", ("forest", 0, 1280));

        var e = await Assert.ThrowsAsync<ProblemException>(() => GeoImport.OpenAsync(
            [catalogue.Url("v1").ToString()],
            new GeoImportOptions { LabelsPath = labels },
            new StacSearch { Assets = ["red", "green", "blue"] },
            WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"] },
            downloads,
            CancellationToken.None));

        Assert.Contains("asset 'red' of item S2A_1 could not be downloaded", e.Message, StringComparison.Ordinal);
        Assert.Contains("is refused", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(downloads));
    }

    private static WebFetcher Fetcher() => new(WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], PerHostInterval = TimeSpan.Zero });

    // Three items on two pages (the second reached by a POST 'next' link that merges a token into the search);
    // each item has 10 m band assets (B02, B03, B04, B08) as single-band 256 px GeoTIFFs of the test scene's grid.
    private LocalWebServer Catalogue(out ConcurrentQueue<string> hits, string assetHost = "127.0.0.2")
    {
        var bands = new[] { ("B02", "blue"), ("B03", "green"), ("B04", "red"), ("B08", "nir") };
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var item in new[] { "S2A_1", "S2B_2", "S2A_3" })
        {
            for (var b = 0; b < bands.Length; b++)
            {
                var band = b;
                var mirrored = item == "S2B_2";
                var path = GeoTestScenes.Write(temp.Path, $"{item}-{bands[b].Item1}.tif", new GeoTiffSpec { Width = 256, Height = 256, Bands = 1, Tile = 128 },
                    (_, x, y) => GeoTestScenes.Value(band, mirrored ? 255 - x : x, y));
                files[$"/assets/{item}/{bands[b].Item1}.tif"] = File.ReadAllBytes(path);
            }
        }

        var seen = new ConcurrentQueue<string>();
        hits = seen;
        LocalWebServer? server = null;
        server = new LocalWebServer("127.0.0.2", async context =>
        {
            var path = context.Request.Url!.AbsolutePath;
            seen.Enqueue(path);
            if (path == "/v1/search" && context.Request.HttpMethod == "POST")
            {
                using var reader = new StreamReader(context.Request.InputStream);
                var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
                searches.Enqueue(body);
                var second = (string?)body["token"] == "page-2";
                string[] ids = second ? ["S2A_3"] : ["S2A_1", "S2B_2"];
                var assetBase = new Uri($"http://{assetHost}:{server!.Port}/");
                var features = new JsonArray(ids.Select(id => (JsonNode)new JsonObject
                {
                    ["type"] = "Feature",
                    ["stac_version"] = "1.0.0",
                    ["id"] = id,
                    ["collection"] = "sentinel-2-l2a",
                    ["properties"] = new JsonObject { ["datetime"] = "2024-06-12T10:30:00Z", ["eo:cloud_cover"] = id == "S2B_2" ? 12.5 : 3.0 },
                    ["assets"] = new JsonObject(bands.Select(b => KeyValuePair.Create(b.Item2, (JsonNode?)new JsonObject
                    {
                        ["href"] = new Uri(assetBase, $"assets/{id}/{b.Item1}.tif").ToString(),
                        ["type"] = "image/tiff; application=geotiff; profile=cloud-optimized",
                        ["eo:bands"] = new JsonArray(new JsonObject { ["name"] = b.Item1, ["common_name"] = b.Item2 }),
                    }))),
                }).ToArray());
                var links = new JsonArray();
                if (!second)
                {
                    links.Add(new JsonObject { ["rel"] = "next", ["href"] = server.Url("v1/search").ToString(), ["method"] = "POST", ["body"] = new JsonObject { ["token"] = "page-2" }, ["merge"] = true });
                }

                context.Response.ContentType = "application/geo+json";
                await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["type"] = "FeatureCollection", ["features"] = features, ["links"] = links }.ToJsonString()));
                return;
            }

            if (files.TryGetValue(path, out var bytes))
            {
                context.Response.ContentType = "image/tiff";
                await context.Response.OutputStream.WriteAsync(bytes);
                return;
            }

            context.Response.StatusCode = 404;
        });
        return server;
    }
}
