using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;

namespace VisionFactory.Factory.Training;

/// <summary>Evaluates a network on labelled images, through cached features when its backbone is the pretrained one.</summary>
public sealed class ModelEvaluator(PixelSource pixels, FeatureExtractor features)
{
    public EvaluationReport Evaluate(
        ClassifierNetwork network,
        bool backboneFrozen,
        IReadOnlyList<LabelledImage> images,
        IReadOnlyList<string> classes,
        string split,
        int batchSize,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        float[][] probabilities;
        if (backboneFrozen)
        {
            features.Compute(network, images, batchSize, null, cancellationToken);
            using var stacked = features.Stack(network, images);
            probabilities = ImageClassifier.ProbabilitiesFromFeatures(network, stacked);
        }
        else
        {
            pixels.Prefetch(images.Select(i => i.Sha256), network.ImageSize, cancellationToken);
            probabilities = ImageClassifier.Probabilities(
                network, images.Select(i => pixels.Get(i.Sha256, network.ImageSize)).ToList(), batchSize, cancellationToken);
        }

        return ClassificationMetrics.Compute(images.Select(i => i.Label).ToList(), probabilities, classes, split);
    }
}
