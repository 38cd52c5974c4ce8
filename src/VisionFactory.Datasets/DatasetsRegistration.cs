using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Export;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Datasets.Review;

namespace VisionFactory.Datasets;

/// <summary>Datasets' services: import, export, the catalog, editing and the review analyses.</summary>
public static class DatasetsRegistration
{
    public static IServiceCollection AddVisionFactoryDatasets(this IServiceCollection services)
    {
        services.AddScoped<DatasetImporter>();
        services.AddScoped<DatasetExporter>();
        services.AddScoped<DatasetCatalog>();
        services.AddScoped<DatasetEditor>();
        services.AddScoped<ImageSignatures>();
        services.AddScoped<EmbeddingStore>();
        services.AddScoped<DatasetReviewer>();
        services.AddScoped<ReviewFixes>();

        // Imports: the front desk and the jobs it starts. What callers may import from is the host's to say
        // (ImportAccess: the server binds its ImportRoots, the command line opens it to its user's machine).
        services.AddOptions<ImportAccess>();
        services.AddSingleton<ImportJobs>();
        services.AddSingleton<ImportService>();
        return services;
    }
}
