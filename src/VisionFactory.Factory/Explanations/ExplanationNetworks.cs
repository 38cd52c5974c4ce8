using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;

namespace VisionFactory.Factory.Explanations;

/// <summary>
/// The network of the model explained last, kept loaded: a gallery asks for a dozen heat maps of one model at once, and
/// each would otherwise read, check and parse the whole artifact again. Explanations hook the network's modules, so
/// they take turns on it, one at a time in the process.
/// </summary>
public sealed class ExplanationNetworks : IDisposable
{
    private readonly SemaphoreSlim turn = new(1, 1);
    private string? loadedArtifact;
    private ClassifierNetwork? network;

    public async Task<T> UseAsync<T>(
        ModelVersion model, Func<ModelVersion, ClassifierNetwork> load, Func<ClassifierNetwork, T> use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(use);
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(
                () =>
                {
                    if (network is null || loadedArtifact != model.ArtifactSha256)
                    {
                        network?.Dispose();
                        network = null;
                        loadedArtifact = null;
                        network = load(model);
                        loadedArtifact = model.ArtifactSha256;
                    }

                    return use(network);
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose()
    {
        network?.Dispose();
        turn.Dispose();
    }
}
