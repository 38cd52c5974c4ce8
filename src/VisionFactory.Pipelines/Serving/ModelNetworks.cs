using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Artifacts;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Pipelines.Serving;

/// <summary>Loads a model version's network from its artifact, checking the artifact's sha256 first.</summary>
public static class ModelNetworks
{
    public static async Task<(ModelVersion Model, ClassifierNetwork Network)> LoadAsync(
        IServiceProvider services, string modelId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var scope = services.CreateAsyncScope();
        var model = await scope.ServiceProvider.GetRequiredService<ModelService>().GetAsync(modelId, cancellationToken).ConfigureAwait(false);
        var blobs = services.GetRequiredService<BlobStore>();
        byte[] artifact;
        try
        {
            artifact = blobs.ReadAllBytes(model.ArtifactSha256);
        }
        catch (BlobNotFoundException e)
        {
            throw ProblemException.Damaged($"the artifact of model {model.Id} is missing from the store ({e.Message})", e);
        }

        if (BlobStore.Sha256Of(artifact) != model.ArtifactSha256)
        {
            throw ProblemException.Damaged($"the artifact of model {model.Id} is damaged: its content no longer matches its sha256");
        }

        Learning.Native.TorchNativeLibrary.EnsureLoaded();
        return (model, ModelArtifact.Read(artifact, model.Id, services.GetRequiredService<ArchitectureCatalog>()).Network);
    }
}
