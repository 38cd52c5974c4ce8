using System.Text.Json;
using Microsoft.Extensions.Logging;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage;

namespace VisionFactory.Pipelines.Hosting;

/// <summary>Turns a validated definition into a runner: builds every step's component from the catalog.</summary>
public sealed class PipelineBuilder(
    ComponentCatalog catalog,
    IServiceProvider services,
    PipelineOptions options,
    DataDirectory data,
    ImageLimits limits,
    TimeProvider clock,
    ILoggerFactory logs)
{
    /// <summary>Builds the runner (not started). A step that cannot be built fails the whole pipeline, naming the step.</summary>
    public async Task<PipelineRunner> BuildAsync(PipelineDefinition definition, int version, CancellationToken cancellationToken)
    {
        definition = new PipelineValidator(catalog).ValidateOrThrow(definition);
        var events = new PipelineEvents(clock);
        var built = new List<(StepDefinition Step, ComponentDescriptor Descriptor, object Instance)>();
        try
        {
            foreach (var step in definition.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var descriptor = catalog.Get(step.Component);
                var context = new ComponentContext(definition.Name, version, step.Id!, services, options, data, events, clock, logs);
                object instance;
                try
                {
                    instance = await catalog.CreateAsync(context, step.Component, step.Settings ?? JsonDocument.Parse("{}").RootElement).ConfigureAwait(false);
                }
                catch (Domain.ProblemException e)
                {
                    throw new Domain.ProblemException(e.Kind, $"step '{step.Id}' ({step.Component}): {e.Message}", e);
                }

                built.Add((step, descriptor, instance));
            }
        }
        catch
        {
            foreach (var (_, _, instance) in built)
            {
                await ReleaseAsync(instance).ConfigureAwait(false);
            }

            throw;
        }

        RunnerStep<T> Step<T>((StepDefinition Step, ComponentDescriptor Descriptor, object Instance) b) =>
            new(b.Step.Id!, b.Descriptor.Id, (T)b.Instance, new StepMetrics(b.Step.Id!, b.Descriptor.Id, b.Descriptor.Kind.ToString().ToLowerInvariant()));

        return new PipelineRunner(
            definition.Name,
            version,
            Step<IFrameSource>(built[0]),
            built.Where(b => b.Descriptor.Kind == ComponentKind.Processor).Select(Step<IFrameProcessor>).ToList(),
            built.Where(b => b.Descriptor.Kind == ComponentKind.Sink).Select(Step<IResultSink>).ToList(),
            new RunnerSettings(
                definition.QueueCapacity,
                TimeSpan.FromSeconds(definition.StallTimeoutSeconds),
                TimeSpan.FromMilliseconds(Math.Min(250, definition.ReconnectMaxSeconds * 1000)),
                TimeSpan.FromSeconds(definition.ReconnectMaxSeconds),
                options.ThumbnailSide),
            events,
            limits,
            clock,
            logs.CreateLogger<PipelineRunner>());
    }

    private static async Task ReleaseAsync(object instance)
    {
        switch (instance)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
