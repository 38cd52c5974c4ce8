using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VisionFactory.Pipelines.Assistant;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Serving;

namespace VisionFactory.Pipelines;

/// <summary>Registers the pipeline services on top of <c>AddVisionFactory</c>.</summary>
public static class PipelineRegistration
{
    public static IServiceCollection AddVisionFactoryPipelines(this IServiceCollection services, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(ComponentCatalog.Default);
        services.TryAddSingleton<PipelineBuilder>();
        services.TryAddSingleton<PipelineHost>();
        services.TryAddSingleton<PredictionBatcher>();
        services.TryAddScoped<PipelineService>();
        services.TryAddSingleton<PipelineStartChecks>();
        services.TryAddScoped<ModelAdvisor>();
        return services;
    }
}
