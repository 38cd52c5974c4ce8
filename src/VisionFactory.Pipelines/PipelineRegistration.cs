using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VisionFactory.Factory.Evaluation.HeatMaps;
using VisionFactory.Pipelines.Assistant;
using VisionFactory.Pipelines.Processors;
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
        services.TryAddScoped<Domain.Users.Caller>();
        services.TryAddScoped<PipelineService>();
        services.TryAddSingleton<PipelineStartChecks>();
        services.TryAddScoped<ModelAdvisor>();
        return services.AddYuNetFaceLocator(options.YuNetModelPath);
    }

    /// <summary>Lets evaluations look for faces (the heat-map check) with the YuNet model at <paramref name="modelPath"/>.</summary>
    public static IServiceCollection AddYuNetFaceLocator(this IServiceCollection services, string? modelPath)
    {
        services.Replace(ServiceDescriptor.Singleton<IFaceLocator>(_ => new YuNetFaceLocator(modelPath)));
        return services;
    }
}
