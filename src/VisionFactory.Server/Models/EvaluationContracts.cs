using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Factory.Evaluation;
using VisionFactory.Factory.Explanations;

namespace VisionFactory.Server.Models;

/// <summary>A model's row in a leaderboard.</summary>
/// <param name="Id">The model.</param>
/// <param name="Dataset">The dataset it was trained on.</param>
/// <param name="DatasetVersion">The dataset version it was trained on.</param>
/// <param name="Architecture">The network.</param>
/// <param name="Mode"><c>head</c> or <c>finetune</c>.</param>
/// <param name="CreatedAt">When training finished.</param>
/// <param name="Metrics">Every leaderboard metric by name (null where not measured).</param>
/// <param name="ValidationCurve">Validation accuracy per epoch.</param>
/// <param name="ExternalTestSet">The dataset behind the <c>external_accuracy</c> metric, when measured.</param>
/// <param name="TestNotice">One line on what the test-split accuracy can promise, when the split is small or the score near perfect.</param>
public sealed record ModelScore(
    string Id, string? Dataset, int? DatasetVersion, string Architecture, TrainingMode Mode, DateTimeOffset CreatedAt,
    Dictionary<string, double?> Metrics, List<double> ValidationCurve, string? ExternalTestSet = null, string? TestNotice = null)
{
    public static ModelScore From(ModelVersion model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelScore(
            model.Id, model.DatasetVersion?.Dataset?.Name, model.DatasetVersion?.Number, model.Spec.Architecture, model.Spec.Mode, model.CreatedAt,
            LeaderboardMetric.All.ToDictionary(m => m.Name, m => m.Of(model), StringComparer.Ordinal),
            [.. model.History.Select(h => h.ValidationAccuracy)],
            model.ExternalEvaluation?.Dataset,
            model.Evaluation is { } own ? TestScoreNotice.For(own, model.ExternalEvaluation)?.Summary : null);
    }
}

/// <summary>The models of a dataset, best first by the sort metric.</summary>
/// <param name="Dataset">The dataset (null: every dataset).</param>
/// <param name="Sort">The metric sorted by.</param>
/// <param name="Order"><c>best</c> first (default) or <c>worst</c> first.</param>
/// <param name="Metrics">The metrics that can be sorted by, and whether higher is better.</param>
/// <param name="Models">The ranked models.</param>
public sealed record Leaderboard(string? Dataset, string Sort, string Order, IReadOnlyList<LeaderboardMetric> Metrics, List<ModelScore> Models);

/// <summary>One model of a comparison, with its whole evaluation (curves and confusion matrix included).</summary>
/// <param name="Score">Its leaderboard row.</param>
/// <param name="Evaluation">Its held-out evaluation.</param>
/// <param name="History">Its figures per epoch (for overlaying the training curves).</param>
public sealed record ComparedModel(ModelScore Score, EvaluationReport? Evaluation, List<EpochMetrics> History);

/// <summary>Two or more models side by side.</summary>
/// <param name="Models">The models, in the order asked.</param>
/// <param name="Best">Per metric, the id(s) of the model(s) with the best value.</param>
public sealed record ComparisonResponse(List<ComparedModel> Models, Dictionary<string, List<string>> Best);

/// <summary>Held-out images of a model, most confident first.</summary>
/// <param name="Model">The model.</param>
/// <param name="Images">Each image with its true and predicted class and the confidence.</param>
public sealed record ImageVerdicts(string Model, List<ImageVerdict> Images);

/// <summary>The JSON form of an explanation (<c>?format=json</c>).</summary>
/// <param name="Model">The model.</param>
/// <param name="File">The image's name.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="ExplainedClass">The class the heat map shows evidence for.</param>
/// <param name="Probabilities">Every class's probability.</param>
/// <param name="Method">cam, gradcam or gradcam++.</param>
/// <param name="Layer">The feature-map layer used.</param>
/// <param name="Png">The PNG overlay, base64.</param>
public sealed record ExplanationResponse(
    string Model, string File, string Label, double Confidence, string ExplainedClass, Dictionary<string, double> Probabilities,
    string Method, string Layer, byte[] Png)
{
    public static ExplanationResponse From(Explanation e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Model, e.File, e.Label, e.Confidence, e.ExplainedClass, e.Probabilities, e.Method, e.Layer, e.Png);
    }
}
