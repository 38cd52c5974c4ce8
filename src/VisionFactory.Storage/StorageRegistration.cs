using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;
using VisionFactory.Storage.Maintenance;

namespace VisionFactory.Storage;

/// <summary>Storage's services: the data directory, the database contexts, and the blob store with its upkeep.</summary>
public static class StorageRegistration
{
    public static IServiceCollection AddVisionFactoryStorage(this IServiceCollection services, DataDirectory data)
    {
        services.AddSingleton(data);

        // Short-lived contexts for the training thread, heartbeats and watchers; one per scope for everything else.
        services.AddVisionFactoryDatabase(data);
        services.AddSingleton<BlobStore>();
        services.AddScoped<BlobCollector>();
        services.AddScoped<IntegrityCheck>();
        return services;
    }
}
