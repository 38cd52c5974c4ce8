using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Review;
using VisionFactory.Learning.Training;
using VisionFactory.Learning.Weights;

namespace VisionFactory.Learning;

/// <summary>Learning's services: the architectures, the feature cache, the trainer and the networks that embed and extract features.</summary>
public static class LearningRegistration
{
    /// <param name="services">The container.</param>
    /// <param name="cachePath">The data directory's cache folder; features go to its <c>features</c> folder.</param>
    public static IServiceCollection AddVisionFactoryLearning(this IServiceCollection services, string cachePath)
    {
        services.AddSingleton(_ => new FeatureCache(Path.Combine(cachePath, "features")));
        services.AddSingleton(ArchitectureCatalog.Default);
        services.AddScoped<FeatureExtractor>();
        services.AddScoped<IPretrainedWeightsSource, SafetensorsWeightsSource>();
        services.AddScoped<ClassifierTrainer>();
        services.AddScoped<ImageEmbedder>();
        return services;
    }
}
