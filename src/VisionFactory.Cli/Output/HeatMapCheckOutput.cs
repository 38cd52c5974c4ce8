using System.Globalization;
using Spectre.Console;
using VisionFactory.Domain.Models.HeatMaps;

namespace VisionFactory.Cli.Output;

/// <summary>The "where the model looks" part of <c>vf evaluate</c>: per-class figures, then any warnings.</summary>
public static class HeatMapCheckOutput
{
    public static void Write(IAnsiConsole console, HeatMapCheck? check)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (check is null)
        {
            console.MarkupLine("[grey]where the model looks: not measured for this evaluation (run 'vf evaluate <model> --recompute')[/]");
            return;
        }

        if (check.Classes.Count > 0)
        {
            var faces = check.Faces == true;
            var table = new Table()
                .Title(Markup.Escape($"where the model looks ({check.Method} at {check.Layer}, {check.SampledImages} sampled images)"))
                .AddColumn("class").AddColumn(new TableColumn("images").RightAligned())
                .AddColumn(new TableColumn("peaks in one spot").RightAligned()).AddColumn("spot");
            if (faces)
            {
                table.AddColumn(new TableColumn("evidence on face").RightAligned()).AddColumn(new TableColumn("face area").RightAligned());
            }

            foreach (var c in check.Classes)
            {
                List<string> row = [Markup.Escape(c.Class), c.Images.ToString(CultureInfo.InvariantCulture), Tables.Percent(c.PeakConcentration), Markup.Escape(c.PeakRegion)];
                if (faces)
                {
                    row.Add(c.FaceShare is { } share ? Tables.Percent(share) : "-");
                    row.Add(c.FaceArea is { } area ? Tables.Percent(area) : "-");
                }

                table.AddRow([.. row]);
            }

            console.Write(table);
        }

        if (check.Note is { } note)
        {
            console.MarkupLine("[grey]{0}[/]", Markup.Escape(note));
        }

        foreach (var warning in check.Warnings)
        {
            console.MarkupLine("[yellow]warning:[/] {0}", Markup.Escape(warning));
        }

        if (check.Warnings.Count == 0 && check.Classes.Count > 0)
        {
            console.MarkupLine("no sign of a shortcut in where the model looks.");
        }
    }
}
