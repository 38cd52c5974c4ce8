namespace VisionFactory.Domain.Models;

/// <summary>How a model did on a held-out set of images.</summary>
public sealed record EvaluationReport
{
    /// <summary>Which images were used, e.g. "test".</summary>
    public required string Split { get; init; }

    public required int Images { get; init; }

    public required double Accuracy { get; init; }

    /// <summary>Mean cross-entropy.</summary>
    public required double Loss { get; init; }

    public required double MacroF1 { get; init; }

    public required List<ClassMetrics> PerClass { get; init; }

    /// <summary>Rows are true classes, columns predicted classes, in <see cref="Classes"/> order.</summary>
    public required int[][] ConfusionMatrix { get; init; }

    public required List<string> Classes { get; init; }
}

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassMetrics(string Class, double Precision, double Recall, double F1, int Support);
