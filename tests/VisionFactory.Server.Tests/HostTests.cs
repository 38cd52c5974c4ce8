namespace VisionFactory.Server.Tests;

public sealed class HostTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task HealthReportsOkWithVersion()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health");

        response.EnsureSuccessStatusCode();
        var body = await Json.ReadAsync(response);
        Assert.Equal("ok", (string?)body["status"]);
        Assert.False(string.IsNullOrEmpty((string?)body["version"]));
    }

    [Fact]
    public async Task HostUsesTheConfiguredDataDirectory()
    {
        using var client = factory.CreateClient();

        (await client.GetAsync("/health")).EnsureSuccessStatusCode();

        Assert.True(File.Exists(Path.Combine(factory.DataRoot, "visionfactory.db")));
    }

    [Fact]
    public async Task OpenApiDocumentListsEveryEndpoint()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/openapi/v1.json");

        response.EnsureSuccessStatusCode();
        var paths = (await Json.ReadAsync(response))["paths"]!.AsObject();
        string[] expected =
        [
            "/health", "/api/datasets", "/api/datasets/{name}", "/api/datasets/{name}/imports",
            "/api/runs", "/api/runs/{id}",
            "/api/models", "/api/models/{id}", "/api/models/{id}/evaluation", "/api/models/{id}/predictions",
        ];
        foreach (var path in expected)
        {
            Assert.True(paths.ContainsKey(path), $"{path} is missing from the OpenAPI document: {string.Join(", ", paths.Select(p => p.Key))}");
        }
    }

    [Fact]
    public async Task UnknownRouteReturns404ProblemDetails()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/nothing-here");

        await Json.ProblemAsync(response, 404);
    }
}
