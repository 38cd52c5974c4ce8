using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Pipelines.Serving;

/// <summary>Loads a model version's network from its artifact (checked against its sha256 by <see cref="ModelService.Load(ModelVersion)"/>).</summary>
public static class ModelNetworks
{
    public static async Task<(ModelVersion Model, ClassifierNetwork Network)> LoadAsync(
        IServiceProvider services, string modelId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var scope = services.CreateAsyncScope();
        var models = scope.ServiceProvider.GetRequiredService<ModelService>();
        var model = await models.GetAsync(modelId, cancellationToken).ConfigureAwait(false);
        return (model, models.Load(model));
    }
}
