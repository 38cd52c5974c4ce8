using VisionFactory.Datasets.Review;
using VisionFactory.Learning.Review;

namespace VisionFactory.Factory.Review;

/// <summary>The review's learning side: ImageNet ResNet-18 embeddings and cross-validated logistic regression on them.</summary>
public sealed class BackboneReviewModel(ImageEmbedder embedder) : IReviewModel
{
    public string Key => embedder.Key;

    public float[][] Embed(IReadOnlyList<string> sha256s, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken) =>
        embedder.Embed(sha256s, progress, cancellationToken);

    public double[][] OutOfSample(
        IReadOnlyList<float[]> features, IReadOnlyList<int> labels, IReadOnlyList<int> folds, int classes, int seed,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken) =>
        CrossValidatedProbabilities.Compute(features, labels, folds, classes, seed, progress, cancellationToken);
}
