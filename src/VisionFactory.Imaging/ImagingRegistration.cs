using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Imaging;

/// <summary>Imaging's services: the decoder's limits and the cache of resized pixels.</summary>
public static class ImagingRegistration
{
    /// <param name="services">The container.</param>
    /// <param name="cachePath">The data directory's cache folder; the pixels go to its <c>pixels</c> folder.</param>
    public static IServiceCollection AddVisionFactoryImaging(this IServiceCollection services, string cachePath)
    {
        services.AddSingleton(ImageLimits.Default);
        services.AddSingleton(_ => new PixelCache(Path.Combine(cachePath, "pixels")));
        return services;
    }
}
