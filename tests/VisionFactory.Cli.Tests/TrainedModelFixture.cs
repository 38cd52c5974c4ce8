using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>One tiny dataset (two visually distinct classes, 32 px) and a head-only model trained on it.</summary>
public sealed class TrainedModelFixture : IAsyncLifetime
{
    public CliRunner Cli { get; } = new();

    public string Source { get; private set; } = "";

    public JsonElement Import { get; private set; }

    public JsonElement Train { get; private set; }

    public string ModelId => Train.GetProperty("model").GetString()!;

    public async Task InitializeAsync()
    {
        Source = Cli.Scratch("shapes");
        SyntheticImages.WriteDataset(Source, ["circles", "squares"], perClass: 20, distinct: true);
        Import = await Cli.RunJsonAsync("dataset", "import", "shapes", Source);
        Train = await Cli.RunJsonAsync("train", "shapes", "--mode", "head", "--image-size", "32", "--epochs", "30", "--batch-size", "8", "--wait");
    }

    public Task DisposeAsync()
    {
        Cli.Dispose();
        return Task.CompletedTask;
    }
}
