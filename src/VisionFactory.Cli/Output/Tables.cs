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
            "[bold]{0} split[/], {1} images: accuracy [bold]{2}[/], loss {3}, macro F1 {4}",
            Markup.Escape(report.Split), report.Images, Percent(report.Accuracy), Number(report.Loss), Number(report.MacroF1));

        var perClass = new Table().AddColumn("class").AddColumn(new TableColumn("precision").RightAligned())
            .AddColumn(new TableColumn("recall").RightAligned()).AddColumn(new TableColumn("F1").RightAligned())
            .AddColumn(new TableColumn("support").RightAligned());
        foreach (var c in report.PerClass)
        {
            perClass.AddRow(Markup.Escape(c.Class), Percent(c.Precision), Percent(c.Recall), Number(c.F1),
                c.Support.ToString(CultureInfo.InvariantCulture));
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
}
