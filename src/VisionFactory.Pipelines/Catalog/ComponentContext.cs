using Microsoft.Extensions.Logging;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage;

namespace VisionFactory.Pipelines.Catalog;

/// <summary>What a component gets when a pipeline is built: where it runs, its services and the pipeline's event feed.</summary>
public sealed record ComponentContext(
    string Pipeline,
    int Version,
    string StepId,
    IServiceProvider Services,
    PipelineOptions Options,
    DataDirectory Data,
    PipelineEvents Events,
    TimeProvider Clock,
    ILoggerFactory Logs);
