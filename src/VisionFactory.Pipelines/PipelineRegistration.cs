using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        return services.AddVisionFactoryPipelines();
    }

    /// <summary>
    /// Registers the pipeline services with the <see cref="PipelineOptions"/> registered before, else those the host bound
    /// from its configuration (<c>IOptions&lt;PipelineOptions&gt;</c>, validated at start).
    /// </summary>
    public static IServiceCollection AddVisionFactoryPipelines(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<PipelineOptions>>().Value);
        services.TryAddSingleton(ComponentCatalog.Default);
        services.TryAddSingleton<PipelineBuilder>();
        services.TryAddSingleton<PipelineHost>();
        services.TryAddSingleton<PredictionBatcher>();
        services.TryAddScoped<Domain.Users.Caller>();
        services.TryAddScoped<PipelineService>();
        services.TryAddSingleton<PipelineStartChecks>();
        services.TryAddScoped<ModelAdvisor>();
        services.Replace(ServiceDescriptor.Singleton<IFaceLocator>(sp => new YuNetFaceLocator(sp.GetRequiredService<PipelineOptions>().YuNetModelPath)));
        return services;
    }

    /// <summary>Lets evaluations look for faces (the heat-map check) with the YuNet model at <paramref name="modelPath"/>.</summary>
    public static IServiceCollection AddYuNetFaceLocator(this IServiceCollection services, string? modelPath)
    {
        services.Replace(ServiceDescriptor.Singleton<IFaceLocator>(_ => new YuNetFaceLocator(modelPath)));
        return services;
    }
}
