using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Inference;

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

    /// <summary>
    /// Opens a model version on the engine <see cref="ModelEngines"/> chooses (by default the one measured faster on this
    /// machine at the model's first use here); the caller disposes it.
    /// </summary>
    public static async Task<(ModelVersion Model, IClassifierEngine Engine)> OpenAsync(
        IServiceProvider services, string modelId, CancellationToken cancellationToken, EngineChoice choice = EngineChoice.Auto)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var scope = services.CreateAsyncScope();
        var models = scope.ServiceProvider.GetRequiredService<ModelService>();
        var model = await models.GetAsync(modelId, cancellationToken).ConfigureAwait(false);
        var engines = scope.ServiceProvider.GetRequiredService<ModelEngines>();
        return (model, engines.Open(ModelService.Reference(model), choice, cancellationToken));
    }
}
