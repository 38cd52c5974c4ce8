namespace VisionFactory.Server.Tests;

public sealed class ZooApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task ZooListsAtLeastThirtyArchitecturesWithTheirFigures()
    {
        using var client = factory.CreateClient();
        // The first listing counts the parameters and FLOPs of all 50 networks by building each: minutes on 2 busy cores.
        client.Timeout = TimeSpan.FromMinutes(10);

        var response = await client.GetAsync("/api/zoo");

        response.EnsureSuccessStatusCode();
        var zoo = (await Json.ReadAsync(response)).AsArray();
        Assert.True(zoo.Count >= 30, $"{zoo.Count} architectures");
        var densenet = zoo.Single(e => (string?)e!["name"] == "densenet121")!;
        Assert.Equal("DenseNet", (string?)densenet["family"]);
        Assert.Equal(7_978_856L, (long)densenet["params"]!);
        Assert.InRange((long)densenet["flops"]!, 2.8e9, 2.9e9);
        Assert.Equal(224, (int)densenet["input_size"]!);
        Assert.False((bool)densenet["pretrained"]!);
        Assert.Null(densenet["cpu_latency_ms"]);
        Assert.True((bool)densenet["weights_published"]!);
        Assert.Null(densenet["weights_bytes"]);
        Assert.False((bool)zoo.Single(e => (string?)e!["name"] == "small_cnn")!["weights_published"]!);
    }
}
