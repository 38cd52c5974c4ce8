using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri;
using ProjNet.CoordinateSystems;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// <c>POST /api/datasets/{name}/import-jobs/geo</c> with multipart/form-data: a scene and its labels from the caller's
/// machine, staged under the data directory and cut like a scene on the server.
/// </summary>
public sealed class GeoUploadApiTests(ServerFactory factory) : IClassFixture<ServerFactory>, IDisposable
{

    // Outside the test hosts' Server:ImportRoots: an upload needs none.
    private readonly TempDirectory folder = new("vf-geo-upload");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task AnUploadedSceneWithGeoJsonLabelsIsCutIntoLabelledChipsAndItsFilesAreRemoved()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        using var client = factory.CreateClient();
        using var form = Form(("field-a.tif", File.ReadAllBytes(scene)), ("fields.geojson", File.ReadAllBytes(labels)));
        form.Add(new StringContent("""{"label_property": "landuse", "chip": 128, "bands": [4, 3, 2]}"""), "options");

        var started = await client.PostAsync(Route("geo-upload"), form);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await Json.ReadAsync(started);
        Assert.Contains("geo: field-a (512x512, 4 bands, EPSG:32632)", (string?)job["source"], StringComparison.Ordinal);
        Assert.EndsWith((string)job["id"]!, started.Headers.Location?.ToString(), StringComparison.Ordinal);
        var done = await WaitAsync(client, (string)job["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(16, (int)done["imported"]!);
        var dataset = await Json.ReadAsync(await client.GetAsync("/api/datasets/geo-upload"));
        Assert.Equal(1, (int)dataset["version"]!);
        var classes = dataset["classes"]!.AsArray().ToDictionary(c => (string)c!["name"]!, c => (int)c!["images"]!);
        Assert.Equal(8, classes["forest"]);
        Assert.Equal(8, classes["water"]);
        var chips = await Json.ReadAsync(await client.GetAsync("/api/datasets/geo-upload/images?class=forest&take=50"));
        Assert.Equal(8, chips["images"]!.AsArray().Count);
        Assert.All(chips["images"]!.AsArray(), c =>
        {
            Assert.Contains("field-a_x", (string?)c!["source_path"], StringComparison.Ordinal);
            Assert.Equal(128, (int)c["width"]!);
        });
        Assert.Empty(StagedUploads());
    }

    [Fact]
    public async Task AnUploadedShapefileWithItsPrjLabelsTheChips()
    {
        var (scene, _) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        var toWgs84 = GeoCrs.FromEpsg(32632).To(GeoCrs.Wgs84)!;
        var geometry = new GeometryFactory();
        Feature Strip(string label, double from, double to) => new(
            geometry.CreatePolygon(new[] { (from, 100.0), (to, 100.0), (to, -5300.0), (from, -5300.0), (from, 100.0) }
                .Select(p => toWgs84(500_000 + p.Item1, 5_000_000 + p.Item2)).Select(p => new Coordinate(p.X, p.Y)).ToArray()),
            new AttributesTable { { "cover", label } });
        var shp = Path.Combine(folder.Path, "cover.shp");
        Shapefile.WriteAllFeatures([Strip("bare", 0, 2560), Strip("crops", 2560, 5120)], shp, GeographicCoordinateSystem.WGS84.WKT);
        using var client = factory.CreateClient();
        using var form = Form(
            ("a.tif", File.ReadAllBytes(scene)), ("my cover.shp", File.ReadAllBytes(shp)), ("my cover.SHX", File.ReadAllBytes(Path.ChangeExtension(shp, ".shx"))),
            ("my cover.dbf", File.ReadAllBytes(Path.ChangeExtension(shp, ".dbf"))), ("my cover.prj", File.ReadAllBytes(Path.ChangeExtension(shp, ".prj"))));
        form.Add(new StringContent("""{"label_property": "cover"}"""), "options");

        var started = await client.PostAsync(Route("geo-upload-shp"), form);

        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        var dataset = await Json.ReadAsync(await client.GetAsync("/api/datasets/geo-upload-shp"));
        var classes = dataset["classes"]!.AsArray().ToDictionary(c => (string)c!["name"]!, c => (int)c!["images"]!);
        Assert.Equal(2, classes["bare"]);
        Assert.Equal(2, classes["crops"]);
        Assert.Empty(StagedUploads());
    }

    [Fact]
    public async Task AHostileSceneNameIsUsedOnlyMadeSafeAndAnEditorMayUpload()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        using var editor = await factory.CreateClientWithRoleAsync("editor");

        var started = await editor.PostAsync(Route("geo-upload-name"),
            Form(("../../..\\evil\u202e<script>.tif", File.ReadAllBytes(scene)), ("../labels.geojson", File.ReadAllBytes(labels))).With("options", """{"label_property": "landuse"}"""));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var done = await WaitAsync(editor, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.True((string?)done["state"] == "succeeded", done.ToJsonString());
        Assert.Equal(4, (int)done["imported"]!);
        var chips = await Json.ReadAsync(await editor.GetAsync("/api/datasets/geo-upload-name/images?take=50"));
        Assert.All(chips["images"]!.AsArray(), c => Assert.Matches("^(forest|water)/evilscript_x[0-9]+_y[0-9]+\\.png$", (string?)c!["source_path"]));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "evil\u202e<script>.tif")));
        Assert.Empty(StagedUploads());
    }

    [Fact]
    public async Task AJobThatFailsRemovesItsStagedFilesToo()
    {
        var (scene, _) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        using var client = factory.CreateClient();

        // One class for every chip: accepted at once, refused by the import (a classifier needs two classes).
        var started = await client.PostAsync(Route("geo-upload-failed"), Form(("a.tif", File.ReadAllBytes(scene))).With("options", """{"class": "field"}"""));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("failed", (string?)done["state"]);
        Assert.Contains("at least two class", (string?)done["error"], StringComparison.Ordinal);
        Assert.Empty(StagedUploads());
        await Json.ProblemAsync(await client.GetAsync("/api/datasets/geo-upload-failed"), 404);
    }

    [Fact]
    public async Task BadUploadsAreProblemsAtOnceNoJobStartsAndNothingStaysStaged()
    {
        var (scene, labels) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        var sceneBytes = File.ReadAllBytes(scene);
        var labelBytes = File.ReadAllBytes(labels);
        using var client = factory.CreateClient();
        var route = Route("geo-upload-bad");

        var noScene = await client.PostAsync(route, Form(("fields.geojson", labelBytes)));
        var nothing = await client.PostAsync(route, Form());
        var onlyOptions = await client.PostAsync(route, Form(("""{"class": "field"}""", null)));
        var twoScenes = await client.PostAsync(route, Form(("a.tif", sceneBytes), ("b.tiff", sceneBytes), ("fields.geojson", labelBytes)));
        var html = await client.PostAsync(route, Form(("holiday.tif", Encoding.UTF8.GetBytes("<html><body>not a scene</body></html>")), ("fields.geojson", labelBytes)));
        var shapefile = await client.PostAsync(route, Form(("a.tif", sceneBytes), ("fields.shp", new byte[200])));
        var mixed = await client.PostAsync(route, Form(("a.tif", sceneBytes), ("fields.geojson", labelBytes), ("fields.shp", new byte[200]), ("fields.shx", new byte[200]), ("fields.dbf", new byte[200])));
        var other = await client.PostAsync(route, Form(("a.tif", sceneBytes), ("notes.txt", new byte[10])));
        var unknownOption = await client.PostAsync(route, Form(("""{"label_property": "landuse", "chip_size": 64}""", null), ("a.tif", sceneBytes), ("fields.geojson", labelBytes)));
        var serverPath = await client.PostAsync(route, Form(("""{"path": "/etc/hostname"}""", null), ("a.tif", sceneBytes)));
        var field = await client.PostAsync(route, Form(("a.tif", sceneBytes)).With("chip", "64"));
        var property = await client.PostAsync(route, Form(("a.tif", sceneBytes), ("fields.geojson", labelBytes)));

        Assert.Contains("labels but no scene", await DetailAsync(noScene), StringComparison.Ordinal);
        Assert.Contains("the multipart body ended early", await DetailAsync(nothing), StringComparison.Ordinal);
        Assert.Contains("carries no files", await DetailAsync(onlyOptions), StringComparison.Ordinal);
        Assert.Contains("two scenes ('a.tif' and 'b.tiff')", await DetailAsync(twoScenes), StringComparison.Ordinal);
        Assert.Contains("'holiday.tif' is not a TIFF file", await DetailAsync(html), StringComparison.Ordinal);
        Assert.Contains(".shx and .dbf are missing", await DetailAsync(shapefile), StringComparison.Ordinal);
        Assert.Contains("send one labels file", await DetailAsync(mixed), StringComparison.Ordinal);
        Assert.Contains("'notes.txt' is neither a GeoTIFF scene", await DetailAsync(other), StringComparison.Ordinal);
        Assert.Contains("'chip_size' is not an option", await DetailAsync(unknownOption), StringComparison.Ordinal);
        Assert.Contains("'path' has no meaning for an uploaded scene", await DetailAsync(serverPath), StringComparison.Ordinal);
        Assert.Contains("the form field 'chip' is not known", await DetailAsync(field), StringComparison.Ordinal);
        Assert.Contains("has the property 'class'", await DetailAsync(property), StringComparison.Ordinal);
        Assert.Empty((await Json.ReadAsync(await client.GetAsync("/api/import-jobs?dataset=geo-upload-bad"))).AsArray());
        Assert.Empty(StagedUploads());
    }

    [Fact]
    public async Task AViewerCannotUploadAScene()
    {
        var (scene, _) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        using var viewer = await factory.CreateClientWithRoleAsync("viewer");

        var response = await viewer.PostAsync(Route("geo-upload-viewer"), Form(("a.tif", File.ReadAllBytes(scene))).With("options", """{"class": "field"}"""));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(StagedUploads());
    }

    [Fact]
    public async Task AnUploadLargerThanTheLimitIs413AndLeavesNothingStaged()
    {
        var (scene, _) = SyntheticGeoTiff.WriteForestAndWater(folder.Path);
        await using var small = new ServerFactory();
        small.Settings["Server:MaxImportUploadBytes"] = "100000";
        using var client = small.CreateClient();

        var response = await client.PostAsync(Route("geo-upload-large"), Form(("a.tif", File.ReadAllBytes(scene))).With("options", """{"class": "field"}"""));

        var detail = (string?)(await Json.ProblemAsync(response, 413))["detail"];
        Assert.Contains("larger than the 97.7 KiB limit", detail, StringComparison.Ordinal);
        Assert.Contains("Server:MaxImportUploadBytes", detail, StringComparison.Ordinal);
        Assert.Empty(StagedUploads(small));
    }

    private static string Route(string dataset) => $"/api/datasets/{dataset}/import-jobs/geo";

    private List<string> StagedUploads(ServerFactory? host = null)
    {
        var temp = (host ?? factory).Services.GetRequiredService<DataDirectory>().TempPath;
        return Directory.Exists(temp) ? Directory.GetDirectories(temp, "geo-upload-*").ToList() : [];
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        (string?)(await Json.ProblemAsync(response, 400))["detail"] ?? "";

    // Files by name; an entry without bytes is the 'options' field.
    private static MultipartFormDataContent Form(params (string Name, byte[]? Bytes)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in parts)
        {
            if (bytes is null)
            {
                form.Add(new StringContent(name), "options");
                continue;
            }

            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "files", name);
        }

        return form;
    }

    private static Task<JsonNode> WaitAsync(HttpClient client, string id) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        status => (string?)status["state"] is not ("queued" or "running"),
        TimeSpan.FromSeconds(30),
        $"import job {id} to finish");
}

internal static class GeoUploadForms
{
    public static MultipartFormDataContent With(this MultipartFormDataContent form, string field, string value)
    {
        form.Add(new StringContent(value), field);
        return form;
    }
}
