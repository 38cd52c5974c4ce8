using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Import;
using VisionFactory.Factory.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Factory.Zoo;
using VisionFactory.Learning.Weights;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Training;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory;

/// <summary>The platform's services, shared by the web host and the command line.</summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddVisionFactory(this IServiceCollection services, DataDirectory data)
    {
        services.AddSingleton(data);
        services.AddDbContext<VisionFactoryDb>(o => o.UseSqlite(DatabaseSetup.ConnectionString(data)));
        services.AddSingleton<BlobStore>();
        services.AddSingleton(ImageLimits.Default);
        services.AddSingleton(_ => new PixelCache(Path.Combine(data.CachePath, "pixels")));
        services.AddSingleton(_ => new FeatureCache(Path.Combine(data.CachePath, "features")));
        services.AddSingleton(ArchitectureCatalog.Default);
        services.AddScoped(sp => new PixelSource(
            sp.GetRequiredService<PixelCache>(), sp.GetRequiredService<BlobStore>().ReadAllBytes, sp.GetRequiredService<ImageLimits>()));
        services.AddScoped<FeatureExtractor>();
        services.AddScoped<IPretrainedWeightsSource, ImportedWeightsSource>();
        services.AddScoped<ClassifierTrainer>();
        services.AddScoped<ZooService>();
        services.AddScoped<ModelEvaluator>();
        services.AddScoped<DatasetImporter>();
        services.AddScoped<DatasetCatalog>();
        services.AddScoped<TrainingService>();
        services.AddScoped<ModelService>();
        return services;
    }

    /// <summary>Applies pending schema migrations; call once at start.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await DatabaseSetup.MigrateAsync(scope.ServiceProvider.GetRequiredService<VisionFactoryDb>(), cancellationToken).ConfigureAwait(false);
    }
}
