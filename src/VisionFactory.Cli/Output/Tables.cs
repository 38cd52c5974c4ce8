using System.Globalization;
using Spectre.Console;
using VisionFactory.Domain.Models;

namespace VisionFactory.Cli.Output;

/// <summary>Human-readable renderings shared by several commands.</summary>
public static class Tables
{
    public static string Percent(double value) => double.IsNaN(value) ? "-" : (value * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    public static string Number(double value, string format = "0.0000") =>
        double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    public static void WriteEvaluation(IAnsiConsole console, EvaluationReport report)
    {
        console.MarkupLine(CultureInfo.InvariantCulture,
            "[bold]{0}{1} split[/], {2} images: accuracy [bold]{3}[/], loss {4}, macro F1 {5}",
            report.Dataset is { } d ? Markup.Escape($"{d} v{report.DatasetVersion} ") : "",
            Markup.Escape(report.Split), report.Images, Percent(report.Accuracy), Number(report.Loss), Number(report.MacroF1));
        if (report.HasFullMetrics())
        {
            console.MarkupLine(CultureInfo.InvariantCulture,
                "balanced accuracy {0}, weighted F1 {1}, ROC AUC (macro) {2}, average precision (macro) {3}, calibration error (ECE) {4}{5}{6}",
                Percent(report.BalancedAccuracy ?? double.NaN), Number(report.WeightedF1 ?? double.NaN), Number(report.MacroRocAuc ?? double.NaN),
                Number(report.MacroAveragePrecision ?? double.NaN), Number(report.Ece ?? double.NaN),
                string.Concat((report.TopK ?? []).Select(t => $", top-{t.K} {Percent(t.Accuracy)}")),
                report.LatencyMsPerImage is { } ms ? $", latency {ms.ToString("0.0", CultureInfo.InvariantCulture)} ms/image" : "");
        }

        var perClass = new Table().AddColumn("class").AddColumn(new TableColumn("precision").RightAligned())
            .AddColumn(new TableColumn("recall").RightAligned()).AddColumn(new TableColumn("F1").RightAligned())
            .AddColumn(new TableColumn("support").RightAligned()).AddColumn(new TableColumn("ROC AUC").RightAligned())
            .AddColumn(new TableColumn("avg precision").RightAligned());
        foreach (var c in report.PerClass)
        {
            perClass.AddRow(Markup.Escape(c.Class), Percent(c.Precision), Percent(c.Recall), Number(c.F1),
                c.Support.ToString(CultureInfo.InvariantCulture), c.RocAuc is { } auc ? Number(auc) : "-",
                c.AveragePrecision is { } ap ? Number(ap) : "-");
        }

        console.Write(perClass);

        var confusion = new Table().Title("confusion matrix (rows: true, columns: predicted)").AddColumn("");
        foreach (var c in report.Classes)
        {
            confusion.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        }

        for (var i = 0; i < report.Classes.Count; i++)
        {
            confusion.AddRow([Markup.Escape(report.Classes[i]), .. report.ConfusionMatrix[i].Select(n => n.ToString(CultureInfo.InvariantCulture))]);
        }

        console.Write(confusion);
    }

    /// <summary>Images with their true and predicted class and confidence (mistakes, a confusion cell).</summary>
    public static void WriteVerdicts(IAnsiConsole console, IReadOnlyList<VisionFactory.Factory.Evaluation.ImageVerdict> images, string empty)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            console.WriteLine(empty);
            return;
        }

        var table = new Table().AddColumn("file").AddColumn("true class").AddColumn("predicted").AddColumn(new TableColumn("confidence").RightAligned())
            .AddColumn(new TableColumn("p(true class)").RightAligned()).AddColumn("sha256");
        foreach (var image in images)
        {
            table.AddRow(Markup.Escape(image.File ?? "-"), Markup.Escape(image.TrueClass), Markup.Escape(image.PredictedClass),
                Percent(image.Confidence), Percent(image.TrueClassProbability), image.Sha256[..12]);
        }

        console.Write(table);
    }
}
