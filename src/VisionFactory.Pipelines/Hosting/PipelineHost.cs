using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Hosting;

/// <summary>The pipelines running in this process: start, stop, restart, and their live figures.</summary>
public sealed class PipelineHost(IServiceProvider services, PipelineBuilder builder) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PipelineRunner> running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Raised when a pipeline starts or stops.</summary>
    public event Action<string>? Changed;

    public bool IsRunning(string name) => running.ContainsKey(name);

    public IReadOnlyCollection<string> Running => [.. running.Keys];

    /// <summary>Starts the newest version (or the given one) of a saved pipeline; 409 when it already runs.</summary>
    public async Task<PipelineMetrics> StartAsync(string name, int? version, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (running.ContainsKey(name))
            {
                throw ProblemException.Conflict($"pipeline '{name}' is already running; stop it first, or restart it");
            }

            PipelineVersionInfo saved;
            await using (var scope = services.CreateAsyncScope())
            {
                var stored = await scope.ServiceProvider.GetRequiredService<PipelineService>().GetAsync(name, version, cancellationToken).ConfigureAwait(false);
                saved = new PipelineVersionInfo(stored.Number, PipelineDefinitionReader.ReadJson(stored.Definition));
            }

            var runner = await builder.BuildAsync(saved.Definition, saved.Number, cancellationToken).ConfigureAwait(false);
            runner.Start();
            running[name] = runner;
            Changed?.Invoke(name);
            return runner.Metrics();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops a running pipeline; 409 when it is not running.</summary>
    public async Task<PipelineMetrics> StopAsync(string name)
    {
        if (!running.TryRemove(name, out var runner))
        {
            throw ProblemException.Conflict($"pipeline '{name}' is not running");
        }

        await runner.StopAsync().ConfigureAwait(false);
        var metrics = runner.Metrics();
        await runner.DisposeAsync().ConfigureAwait(false);
        Changed?.Invoke(name);
        return metrics;
    }

    public async Task<PipelineMetrics> RestartAsync(string name, CancellationToken cancellationToken)
    {
        if (running.ContainsKey(name))
        {
            await StopAsync(name).ConfigureAwait(false);
        }

        return await StartAsync(name, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Live figures of a running pipeline, or null when it is not running here.</summary>
    public PipelineMetrics? Metrics(string name) => running.TryGetValue(name, out var runner) ? runner.Metrics() : null;

    public async ValueTask DisposeAsync()
    {
        foreach (var name in running.Keys.ToList())
        {
            if (running.TryRemove(name, out var runner))
            {
                await runner.DisposeAsync().ConfigureAwait(false);
            }
        }

        gate.Dispose();
    }

    private sealed record PipelineVersionInfo(int Number, PipelineDefinition Definition);
}
