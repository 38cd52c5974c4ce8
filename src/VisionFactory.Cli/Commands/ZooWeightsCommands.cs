using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Factory.Zoo;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf zoo weights list | get | import</c>: torchvision's published ImageNet weights for the zoo.</summary>
public static class ZooWeightsCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var weights = new Command("weights", "Pretrained ImageNet weights for the zoo: catalogued, downloaded, verified by SHA-256, stored once");
        weights.Add(List(globals, interactive));
        weights.Add(Get(globals, interactive));
        weights.Add(Import(globals, interactive));
        return weights;
    }

    private static Option<string> MirrorOption() =>
        new("--mirror") { Description = "Base address of a mirror holding the published files under their own names (trusted, also on a private or loopback address)" };

    private static Command List(GlobalOptions globals, bool interactive)
    {
        var mirror = MirrorOption();
        var command = new Command("list", "Every catalogued weights file: architecture, address, SHA-256, size, and whether it is present here") { mirror };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var listing = await scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>().ListAsync(parse.GetValue(mirror), ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(listing);
                return 0;
            }

            var table = new Table().AddColumn("architecture").AddColumn("file").AddColumn("SHA-256").AddColumn(new TableColumn("size").RightAligned())
                .AddColumn("present").AddColumn("source");
            foreach (var w in listing)
            {
                table.AddRow(
                    Markup.Escape(w.Architecture),
                    Markup.Escape(w.File),
                    Markup.Escape(w.FullDigest ? w.Sha256 : w.Sha256 + "…"),
                    w.StoredBytes is { } stored ? Megabytes(stored) : w.Size is { } size ? Megabytes(size) : "",
                    w.Present ? "yes" : "no",
                    Markup.Escape(w.Source ?? ""));
            }

            cli.Console.Write(table);
            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "From {0}; [bold]vf zoo weights get <architecture>[/] (or --all) downloads them.",
                Markup.Escape(listing.Count > 0 ? listing[0].Address[..(listing[0].Address.Length - listing[0].File.Length)] : ""));
            return 0;
        }));
        return command;
    }

    private static Command Get(GlobalOptions globals, bool interactive)
    {
        var arch = new Argument<string[]>("architecture") { Description = "Architectures, e.g. mobilenet_v3_small (or --all)", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every catalogued architecture" };
        var mirror = MirrorOption();
        var command = new Command("get", "Download, verify (SHA-256), convert (names and shapes checked) and store the published weights; an interrupted download resumes")
        {
            arch, all, mirror,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var weights = scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>();
            var names = (parse.GetValue(arch) ?? []).SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            if (parse.GetValue(all) == (names.Count > 0))
            {
                throw ProblemException.Invalid("name the architectures to download (e.g. vf zoo weights get resnet50), or give --all; not both");
            }

            if (parse.GetValue(all))
            {
                names = [.. weights.Catalog.Select(e => e.Architecture)];
            }

            var results = new List<WeightsListing>();
            foreach (var name in names)
            {
                results.Add(await WithProgress(cli, name, p => weights.GetAsync(name, parse.GetValue(mirror), p, ct)).ConfigureAwait(false));
            }

            if (cli.Json)
            {
                cli.WriteJson(results);
                return 0;
            }

            foreach (var r in results)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/]: pretrained weights present ({1}, {2})",
                    Markup.Escape(r.Architecture), r.StoredBytes is { } b ? Megabytes(b) : "size unknown", Markup.Escape(r.Source ?? r.Address));
            }

            return 0;
        }));
        return command;
    }

    private static Command Import(GlobalOptions globals, bool interactive)
    {
        var folder = new Option<string>("--folder") { Description = "A folder holding published weights files under their published names", Required = true };
        var command = new Command("import", "Store the published weights files of a folder (air-gapped sites): recognised by file name, verified by SHA-256") { folder };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var results = await scope.ServiceProvider.GetRequiredService<PretrainedWeightsService>().ImportFolderAsync(parse.GetValue(folder)!, ct).ConfigureAwait(false);
            var refused = results.Where(r => r.Outcome == "refused").ToList();
            if (cli.Json)
            {
                cli.WriteJson(results);
            }
            else
            {
                foreach (var r in results)
                {
                    cli.Console.MarkupLine(CultureInfo.InvariantCulture, "{0}: {1}{2}", Markup.Escape(r.File),
                        Markup.Escape(r.Architecture is null ? r.Outcome : $"{r.Outcome} as {r.Architecture}"), Markup.Escape(r.Reason is null ? "" : $" ({r.Reason})"));
                }
            }

            if (refused.Count > 0)
            {
                cli.Error.WriteLine($"{refused.Count} file(s) refused, nothing stored for them: {string.Join("; ", refused.Select(r => r.Reason))}");
                return 5;
            }

            return 0;
        }));
        return command;
    }

    private static async Task<WeightsListing> WithProgress(CliContext cli, string name, Func<IProgress<WeightsDownloadProgress>?, Task<WeightsListing>> work)
    {
        if (!cli.Interactive)
        {
            return await work(null).ConfigureAwait(false);
        }

        return await cli.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(name, maxValue: 1);
                var result = await work(new ImmediateProgress<WeightsDownloadProgress>(p =>
                {
                    task.IsIndeterminate = p.Total is null;
                    task.MaxValue = Math.Max(1, p.Total ?? p.Bytes);
                    task.Value = p.Bytes;
                })).ConfigureAwait(false);
                task.Value = task.MaxValue;
                return result;
            }).ConfigureAwait(false);
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}
