using VisionFactory.Domain.Models;
using VisionFactory.Domain.Models.Metrics;
using VisionFactory.Factory.Models;

namespace VisionFactory.Server.Models;

/// <summary>A trained model as listed.</summary>
/// <param name="Id">The model's id, e.g. <c>m-5f3a9c2e</c>.</param>
/// <param name="Dataset">The dataset it was trained on.</param>
/// <param name="DatasetVersion">The dataset version it was trained on.</param>
/// <param name="Architecture">The network.</param>
/// <param name="Mode"><c>head</c> or <c>finetune</c>.</param>
/// <param name="Classes">Class names in label order.</param>
/// <param name="CreatedAt">When training finished.</param>
/// <param name="TrainingSeconds">How long training took.</param>
/// <param name="TestAccuracy">Accuracy on the held-out test split, when evaluated.</param>
/// <param name="TestMacroF1">Macro-averaged F1 on the held-out test split, when evaluated.</param>
/// <param name="ExternalTestSet">The dataset of its external evaluation (images from another source), when evaluated on one.</param>
/// <param name="ExternalTestAccuracy">Accuracy on that external test set.</param>
/// <param name="ImportedFrom">For a model imported from ONNX, the file's name (it runs on ONNX Runtime only: no explanations or training); null for a model trained here.</param>
public sealed record ModelSummary(
    string Id,
    string? Dataset,
    int? DatasetVersion,
    string Architecture,
    TrainingMode Mode,
    List<string> Classes,
    DateTimeOffset CreatedAt,
    double TrainingSeconds,
    double? TestAccuracy,
    double? TestMacroF1,
    string? ExternalTestSet = null,
    double? ExternalTestAccuracy = null,
    string? ImportedFrom = null)
{
    public static ModelSummary From(ModelVersion model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelSummary(
            model.Id,
            model.DatasetVersion?.Dataset?.Name,
            model.DatasetVersion?.Number,
            model.Spec.Architecture,
            model.Spec.Mode,
            model.Classes,
            model.CreatedAt,
            model.TrainingSeconds,
            model.Evaluation?.Accuracy,
            model.Evaluation?.MacroF1,
            model.ExternalEvaluation?.Dataset,
            model.ExternalEvaluation?.Accuracy,
            model.ImportedFrom);
    }
}

/// <summary>A trained model in full.</summary>
/// <param name="Id">The model's id.</param>
/// <param name="Dataset">The dataset it was trained on.</param>
/// <param name="DatasetVersion">The dataset version it was trained on.</param>
/// <param name="Classes">Class names in label order.</param>
/// <param name="Spec">The settings it was trained with.</param>
/// <param name="CreatedAt">When training finished.</param>
/// <param name="TrainingSeconds">How long training took.</param>
/// <param name="ArtifactSha256">sha256 of the stored weights.</param>
/// <param name="History">The figures of every epoch.</param>
/// <param name="Evaluation">The evaluation on the held-out test split.</param>
/// <param name="ExternalEvaluation">The evaluation on its dataset's external test set (images from another source), when made.</param>
/// <param name="TestNotice">What the test-split figure can and cannot promise, when the split is small or the score near perfect.</param>
/// <param name="ExternalCheck">Each class's recall on the own test split beside the external test set, and warnings where it falls sharply there.</param>
/// <param name="ImportedFrom">For a model imported from ONNX, the file's name (it runs on ONNX Runtime only: no explanations or training); null for a model trained here.</param>
public sealed record ModelDetails(
    string Id,
    string? Dataset,
    int? DatasetVersion,
    List<string> Classes,
    TrainingSpec Spec,
    DateTimeOffset CreatedAt,
    double TrainingSeconds,
    string ArtifactSha256,
    List<EpochMetrics> History,
    EvaluationReport? Evaluation,
    EvaluationReport? ExternalEvaluation = null,
    TestScoreNotice? TestNotice = null,
    ExternalGapCheck? ExternalCheck = null,
    string? ImportedFrom = null)
{
    public static ModelDetails From(ModelVersion model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ModelDetails(
            model.Id,
            model.DatasetVersion?.Dataset?.Name,
            model.DatasetVersion?.Number,
            model.Classes,
            model.Spec,
            model.CreatedAt,
            model.TrainingSeconds,
            model.ArtifactSha256,
            model.History,
            model.Evaluation,
            model.ExternalEvaluation,
            model.Evaluation is { } own ? TestScoreNotice.For(own, model.ExternalEvaluation) : null,
            model.ExternalGap(),
            model.ImportedFrom);
    }
}

/// <summary>The results of one prediction request, in upload order.</summary>
/// <param name="Model">The model that classified the images.</param>
/// <param name="Predictions">Per file: label, confidence and every class's probability, or an error.</param>
/// <param name="Engine">The engine that ran the model: onnx (ONNX Runtime) or torch (TorchSharp); null where only TorchSharp runs it.</param>
public sealed record PredictionBatch(string Model, List<Prediction> Predictions, string? Engine = null);

/// <summary>A model imported from ONNX (<c>POST /api/models/imports</c>).</summary>
/// <param name="Model">The new model's id.</param>
/// <param name="ImportedFrom">The file's name.</param>
/// <param name="Name">What it is called in lists.</param>
/// <param name="Engine">Always <c>onnx</c>: an imported model runs on ONNX Runtime.</param>
/// <param name="Classes">Class names in output order.</param>
/// <param name="ImageSize">The side of the square images it reads.</param>
/// <param name="Fit"><c>center-crop</c> or <c>stretch</c>.</param>
/// <param name="VisionFactoryExport">Whether the file was a VisionFactory export (its metadata read, its graph unchanged).</param>
/// <param name="Input">The graph's own input name.</param>
/// <param name="Output">The graph's own output name.</param>
/// <param name="Preprocessing">What is done to pixels before the network.</param>
/// <param name="Dataset">The dataset named at import, if any.</param>
/// <param name="DatasetVersion">Its version.</param>
/// <param name="TestAccuracy">Accuracy on that dataset version's test split, evaluated at import.</param>
public sealed record ImportedModel(
    string Model, string? ImportedFrom, string Name, string Engine, List<string> Classes, int ImageSize, string Fit, bool VisionFactoryExport,
    string Input, string Output, string Preprocessing, string? Dataset, int? DatasetVersion, double? TestAccuracy)
{
    public static ImportedModel From(ModelImportResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var m = result.Model;
        return new ImportedModel(
            m.Id, m.ImportedFrom, m.Spec.Architecture, "onnx", m.Classes, result.Graph.ImageSize,
            result.Graph.Fit == Imaging.Decoding.SquareFit.Stretch ? "stretch" : "center-crop", result.Graph.OwnExport,
            result.Graph.InputName, result.Graph.OutputName, result.Graph.Preprocessing,
            m.DatasetVersion?.Dataset?.Name, m.DatasetVersion?.Number, m.Evaluation?.Accuracy);
    }
}
