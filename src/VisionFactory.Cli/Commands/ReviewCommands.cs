using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Review;
using VisionFactory.Domain.Review;
using VisionFactory.Factory.Review;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf dataset review</c> and <c>vf dataset fix</c>: the dataset health check and its one-command fixes.</summary>
public static class ReviewCommands
{
    public static Command CreateReview(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name" };
        var version = new Option<int?>("--version") { Description = "Version number (default: the newest)" };
        var noEmbeddings = new Option<bool>("--hashes-only")
        {
            Description = "Skip the backbone: no embedding near-duplicates and no label check (much faster on large datasets)",
        };
        var limit = new Option<int>("--limit") { Description = "Rows shown per finding (--json lists them all)", DefaultValueFactory = _ => 10 };
        var command = new Command(
            "review",
            "Review a dataset version: unreadable files, outliers, dark / over-exposed / blurry images, duplicates, leakage across splits, class balance, suspected wrong labels")
        {
            name, version, noEmbeddings, limit,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var reviews = scope.ServiceProvider.GetRequiredService<ReviewService>();
            var datasetName = parse.GetValue(name)!;
            var request = new ReviewRequest(parse.GetValue(version), parse.GetValue(noEmbeddings));

            ReviewReport report;
            if (cli.Interactive)
            {
                report = await cli.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("reviewing", maxValue: 1);
                        return await reviews.RunAsync(datasetName, request, new ImmediateProgress<ReviewProgress>(p =>
                        {
                            task.Value = p.Fraction;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Done}/{p.Total}");
                        }), ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                report = await reviews.RunAsync(datasetName, request, null, ct).ConfigureAwait(false);
            }

            if (cli.Json)
            {
                cli.WriteJson(report);
                return 0;
            }

            Write(cli.Console, report, Math.Max(1, parse.GetValue(limit)));
            return 0;
        }));
        return command;
    }

    public static Command CreateFix(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name" };
        var fix = new Argument<string>("fix") { Description = "drop-exact-duplicates, keep-one-per-group, relabel, exclude or regroup-split" };
        var images = new Option<string[]>("--image") { Description = "An image's sha256 (repeat): which suspected images to relabel, or which images to exclude", AllowMultipleArgumentsPerToken = true };
        var groups = new Option<int[]>("--group") { Description = "A near-duplicate group's number (repeat): which groups keep-one-per-group thins out", AllowMultipleArgumentsPerToken = true };
        var command = new Command("fix", "Apply a fix from the newest version's review; the result is a new dataset version") { name, fix, images, groups };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var request = new ReviewFixRequest(parse.GetValue(fix), parse.GetValue(images), parse.GetValue(groups));
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var datasetName = parse.GetValue(name)!;
            var (version, summary) = await scope.ServiceProvider.GetRequiredService<ReviewService>()
                .ApplyFixAsync(datasetName, request, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(summary);
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/] version {1}: {2} ({3} images)",
                Markup.Escape(datasetName), version.Number, Markup.Escape(version.Source), summary.Images);
            return 0;
        }));
        return command;
    }

    private static void Write(IAnsiConsole console, ReviewReport report, int limit)
    {
        console.MarkupLine(CultureInfo.InvariantCulture,
            "[bold]{0}[/] version {1}: {2} images, health score {3}/100, {4} images affected ({5:P1}), reviewed in {6:0.0} s",
            Markup.Escape(report.Dataset), report.Version, report.Images, report.Health.Score, report.Health.ImagesAffected,
            report.Health.ShareAffected, report.Seconds);
        var table = new Table().AddColumn("finding").AddColumn(new TableColumn("count").RightAligned()).AddColumn("severity").AddColumn("what");
        foreach (var f in report.Health.Findings)
        {
            table.AddRow(f.Kind, f.Count.ToString(CultureInfo.InvariantCulture), f.Severity, Markup.Escape(f.Title));
        }

        console.Write(table);
        if (report.SplitGrouping is { } grouping)
        {
            console.MarkupLine(CultureInfo.InvariantCulture,
                "split: near-duplicates kept together ({0} groups, {1} images; {2} images moved from the ungrouped split)",
                grouping.Groups, grouping.ImagesInGroups, grouping.Moved);
        }

        Section(console, "Leakage across splits", report.Leakage.Examples, limit, p =>
            $"{p.A.Path} ({Split(p.A)}) ~ {p.B.Path} ({Split(p.B)}): hash distance {p.HashDistance}{Cosine(p.Cosine)}");
        Section(console, "Suspected wrong labels", report.SuspectedLabels, limit, s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Image.Path}: labelled {s.Image.Class} ({s.GivenProbability:P0}), looks like {s.Suggested} ({s.SuggestedProbability:P0}){(s.Confident ? "" : ", weaker: below the class's confidence threshold")}"));
        Section(console, "Near-duplicate groups", report.NearDuplicates, limit, g =>
            $"#{g.Id} {string.Join(", ", g.Images.Select(i => i.Path))}{(g.CrossesClasses ? " [two classes]" : "")}{(g.CrossesSplits ? " [two splits]" : "")} ({g.Evidence})");
        Section(console, "Identical files (stored once)", report.ExactDuplicates, limit, d =>
            $"{string.Join(", ", d.Paths)}{(d.CrossesClasses ? " [two classes]" : "")}");
        Section(console, "Exposure and sharpness", report.Quality, limit, q => $"{q.Image.Path}: {q.Detail}");
        Section(console, "Size and aspect outliers", report.SizeOutliers, limit, q => $"{q.Image.Path}: {q.Detail}");
        Section(console, "Skipped at import", report.Unreadable, limit, s => $"{s.Path}: {s.Reason}");
        console.MarkupLine("[bold]Class balance:[/] " + Markup.Escape(string.Join(", ", report.Balance.Classes.Select(c =>
            string.Create(CultureInfo.InvariantCulture, $"{c.Class} {c.Images} ({c.Share:P0})")))));
        console.MarkupLine(Markup.Escape(report.Balance.Advice));
        if (report.Health.ImagesAffected > 0)
        {
            console.MarkupLine(
                "Fix with [bold]vf dataset fix " + Markup.Escape(report.Dataset) + " <fix>[/]: drop-exact-duplicates, keep-one-per-group, relabel, exclude --image <sha256>, regroup-split");
        }
    }

    private static void Section<T>(IAnsiConsole console, string title, IReadOnlyList<T> rows, int limit, Func<T, string> line)
    {
        if (rows.Count == 0)
        {
            return;
        }

        console.MarkupLine(CultureInfo.InvariantCulture, "[yellow]{0}[/] ({1}):", Markup.Escape(title), rows.Count);
        foreach (var row in rows.Take(limit))
        {
            console.MarkupLine("  " + Markup.Escape(line(row)));
        }

        if (rows.Count > limit)
        {
            console.MarkupLine(CultureInfo.InvariantCulture, "  ... and {0} more (--json lists them all)", rows.Count - limit);
        }
    }

    private static string Split(ReviewImage image) => image.Split.ToString().ToLowerInvariant();

    private static string Cosine(double? cosine) => cosine is { } c ? string.Create(CultureInfo.InvariantCulture, $", cosine {c:0.000}") : "";
}
