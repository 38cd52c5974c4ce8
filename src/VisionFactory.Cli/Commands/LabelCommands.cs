using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;
using VisionFactory.Domain;

namespace VisionFactory.Cli.Commands;

/// <summary>
/// <c>vf dataset label &lt;name&gt; &lt;image&gt; &lt;class&gt;</c> (or <c>--csv file</c>, <c>--exclude image</c>): labels images of the
/// pool, relabels and excludes in one new version; <c>vf dataset restore &lt;name&gt; [version]</c> goes back to an
/// earlier version (by default the one before the newest: undo).
/// </summary>
internal static class LabelCommands
{
    public static Command CreateLabel(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name" };
        var image = new Argument<string?>("image") { Description = "An image: its sha256 or the path it was imported from", Arity = ArgumentArity.ZeroOrOne };
        var className = new Argument<string?>("class") { Description = "The class it gets (an existing class or a new one)", Arity = ArgumentArity.ZeroOrOne };
        var csv = new Option<string?>("--csv") { Description = "A CSV file of image,class lines (a header line image,class is allowed): all of them in one new version" };
        var exclude = new Option<string[]>("--exclude") { Description = "An image to leave out of the new version (repeat for more)" };
        var command = new Command(
            "label",
            "Give images a class (images of the unlabelled pool, or labelled images another one) or leave them out, in one new version with a summary of the change")
        {
            name, image, className, csv, exclude,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var changes = new List<LabelChange>();
            var one = parse.GetValue(image);
            var oneClass = parse.GetValue(className);
            if (one is not null)
            {
                changes.Add(oneClass is not null
                    ? new LabelChange(one, oneClass)
                    : throw ProblemException.Invalid($"give the class for '{one}': vf dataset label <name> <image> <class>"));
            }

            if (parse.GetValue(csv) is { } file)
            {
                changes.AddRange(await ReadCsvAsync(file, ct).ConfigureAwait(false));
            }

            changes.AddRange((parse.GetValue(exclude) ?? []).Select(e => new LabelChange(e, null, Exclude: true)));
            if (changes.Count == 0)
            {
                throw ProblemException.Invalid("give what to label: <image> <class>, --csv <file> of image,class lines, or --exclude <image>");
            }

            var dataset = parse.GetValue(name)!;
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<DatasetEditor>().LabelAsync(dataset, changes, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    dataset,
                    version = result.Version.Number,
                    previous = result.Previous,
                    labelled = result.Labelled,
                    relabelled = result.Relabelled,
                    excluded = result.Excluded,
                    unchanged = result.Unchanged,
                    summary = result.Summary,
                    classes = result.Version.Classes,
                });
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/] version {1}: {2}", Markup.Escape(dataset), result.Version.Number, Markup.Escape(result.Summary));
            if (result.Unchanged > 0)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "{0} named images already had that class", result.Unchanged);
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "undo: [bold]vf dataset restore {0} {1}[/]", Markup.Escape(dataset), result.Previous);
            return 0;
        }));
        return command;
    }

    public static Command CreateRestore(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name" };
        var version = new Argument<int?>("version") { Description = "The version to go back to (default: the one before the newest, i.e. undo the last change)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("restore", "Go back to an earlier version: a new version with exactly its images, labels and splits") { name, version };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var dataset = parse.GetValue(name)!;
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var catalog = scope.ServiceProvider.GetRequiredService<DatasetCatalog>();
            var number = parse.GetValue(version) ?? (await catalog.GetVersionAsync(dataset, null, withItems: false, ct).ConfigureAwait(false)).Number - 1;
            var restored = await scope.ServiceProvider.GetRequiredService<DatasetEditor>().RestoreAsync(dataset, number, ct).ConfigureAwait(false);
            var summary = await catalog.SummarizeAsync(dataset, restored.Number, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(summary);
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/] version {1}: {2}; {3} images in {4} classes, {5} unlabelled",
                Markup.Escape(dataset), restored.Number, Markup.Escape(restored.Source), summary.Images, summary.Classes.Count, summary.Unlabelled);
            DatasetCommands.WriteClasses(cli.Console, summary);
            return 0;
        }));
        return command;
    }

    // image,class per line; the last comma divides them, so a path with commas still reads; a header line is skipped.
    private static async Task<List<LabelChange>> ReadCsvAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw ProblemException.NotFound($"the CSV file '{path}' does not exist");
        }

        var changes = new List<LabelChange>();
        var lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || (n == 0 && line.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "image,class" or "sha256,class" or "path,class"))
            {
                continue;
            }

            var comma = line.LastIndexOf(',');
            if (comma <= 0 || comma == line.Length - 1)
            {
                throw ProblemException.Invalid($"{path} line {n + 1}: '{line}' is not image,class");
            }

            changes.Add(new LabelChange(Unquote(line[..comma]), Unquote(line[(comma + 1)..])));
        }

        return changes.Count > 0 ? changes : throw ProblemException.Invalid($"{path} holds no image,class lines");
    }

    private static string Unquote(string value)
    {
        var v = value.Trim();
        return v.Length >= 2 && v[0] == '"' && v[^1] == '"' ? v[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : v;
    }
}
