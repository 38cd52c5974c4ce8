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
        WriteStressTest(console, report.StressTest);
    }

    /// <summary>Accuracy and per-class recall under each change of the stress test, then its warnings.</summary>
    public static void WriteStressTest(IAnsiConsole console, StressTestReport? stress)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (stress is null)
        {
            console.MarkupLine("[grey]No stress test in this stored evaluation: run 'vf evaluate <model> --recompute' to add it.[/]");
            return;
        }

        var classes = stress.Changes.SelectMany(c => c.Recall.Keys).Distinct(StringComparer.Ordinal).ToList();
        var table = new Table()
            .Title($"stress test (label-preserving changes, {stress.ImagesPerClass}+ images per class, same images unchanged in brackets)")
            .AddColumn("change").AddColumn(new TableColumn("accuracy").RightAligned());
        foreach (var c in classes)
        {
            table.AddColumn(new TableColumn(Markup.Escape(c) + " recall").RightAligned());
        }

        foreach (var change in stress.Changes)
        {
            table.AddRow([
                Markup.Escape(change.Name) + (change.Warnings.Count > 0 ? " [red]![/]" : ""),
                $"{Percent(change.Accuracy)} ({Percent(change.BaselineAccuracy)})",
                .. classes.Select(c => change.Recall.TryGetValue(c, out var r) ? $"{Percent(r)} ({Percent(change.BaselineRecall[c])})" : "-"),
            ]);
        }

        console.Write(table);
        if (stress.Warnings.Count == 0)
        {
            console.MarkupLine("[green]Stress test: no class's recall falls sharply under any change.[/]");
            return;
        }

        foreach (var warning in stress.Warnings)
        {
            console.MarkupLine("[yellow]warning:[/] " + Markup.Escape(warning));
        }
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
