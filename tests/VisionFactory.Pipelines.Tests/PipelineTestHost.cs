using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Factory;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Pipelines.Tests;

/// <summary>The platform's services with the pipelines on a fresh data directory (a real SQLite file), deleted on dispose.</summary>
public sealed class PipelineTestHost : IAsyncDisposable
{
    private readonly TempDirectory temp = new("vf-pipelines");

    private PipelineTestHost(PipelineOptions options)
    {
        Options = options;
        Data = new DataDirectory(temp.Combine("data"));
        Services = new ServiceCollection().AddVisionFactory(Data).AddVisionFactoryPipelines(options).BuildServiceProvider();
    }

    public ServiceProvider Services { get; }

    public DataDirectory Data { get; }

    public PipelineOptions Options { get; }

    public string Scratch(string name) => temp.Combine(name);

    public static async Task<PipelineTestHost> StartAsync(PipelineOptions? options = null)
    {
        var host = new PipelineTestHost(options ?? new PipelineOptions { YuNetModelPath = SharedFiles.YuNet });
        await host.Services.MigrateDatabaseAsync(CancellationToken.None);
        return host;
    }

    public async Task<PipelineRunner> StartPipelineAsync(string json)
    {
        var runner = await Services.GetRequiredService<PipelineBuilder>().BuildAsync(PipelineDefinitionReader.ReadJson(json), 1, CancellationToken.None);
        runner.Start();
        return runner;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        temp.Dispose();
    }
}
