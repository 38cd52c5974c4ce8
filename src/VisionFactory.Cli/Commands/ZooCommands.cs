using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Factory.Zoo;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf zoo list | bench | import-weights | weights</c>.</summary>
public static class ZooCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var zoo = new Command("zoo", "The architectures you can train, with their measured figures");
        zoo.Add(List(globals, interactive));
        zoo.Add(Bench(globals, interactive));
        zoo.Add(ImportWeights(globals, interactive));
        zoo.Add(ZooWeightsCommands.Create(globals, interactive));
        return zoo;
    }

    private static Command List(GlobalOptions globals, bool interactive)
    {
        var command = new Command("list", "Every architecture: family, parameters, FLOPs, input, pretrained weights, CPU latency measured here");
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var zoo = scope.ServiceProvider.GetRequiredService<ZooService>();
            var entries = await WithProgress(cli, "counting parameters and FLOPs", p => zoo.ListAsync(p, ct)).ConfigureAwait(false);
            Write(cli, entries);
            return 0;
        }));
        return command;
    }

    private static Command Bench(GlobalOptions globals, bool interactive)
    {
        var arch = new Option<string[]>("--arch") { Description = "Architectures to measure (default: all)", AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("bench", "Measure single-image CPU latency at each architecture's default input size and store it") { arch, threads };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var zoo = scope.ServiceProvider.GetRequiredService<ZooService>();
            var names = (parse.GetValue(arch) ?? []).SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var entries = await WithProgress(cli, "measuring latency", p => zoo.BenchAsync(names, parse.GetValue(threads), p, ct)).ConfigureAwait(false);
            Write(cli, entries);
            return 0;
        }));
        return command;
    }

    private static Command ImportWeights(GlobalOptions globals, bool interactive)
    {
        var arch = new Argument<string>("architecture") { Description = "Architecture name, e.g. densenet121" };
        var file = new Argument<string>("file") { Description = "A PyTorch state dict (.pt, .pth), .safetensors or .onnx file" };
        var command = new Command("import-weights", "Make a checkpoint the pretrained starting point of an architecture (names and shapes are checked first)")
        {
            arch, file,
        };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var imported = await scope.ServiceProvider.GetRequiredService<ZooService>()
                .ImportWeightsAsync(parse.GetValue(arch)!, parse.GetValue(file)!, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(imported);
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "Imported {0} tensors from {1} as the pretrained weights of [bold]{2}[/] (its head has {3} classes; runs with another class count get a fresh head)",
                imported.Tensors, Markup.Escape(imported.SourceFile), Markup.Escape(imported.Architecture), imported.HeadClasses);
            return 0;
        }));
        return command;
    }

    private static async Task<List<ZooEntry>> WithProgress(
        CliContext cli, string what, Func<IProgress<(int Done, int Total, string Name)>?, Task<List<ZooEntry>>> work)
    {
        if (!cli.Interactive)
        {
            return await work(null).ConfigureAwait(false);
        }

        return await cli.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(what, maxValue: 1);
                return await work(new ImmediateProgress<(int Done, int Total, string Name)>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = $"{what}: {p.Name}";
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private static void Write(CliContext cli, List<ZooEntry> entries)
    {
        if (cli.Json)
        {
            cli.WriteJson(entries);
            return;
        }

        var table = new Table().AddColumn("name").AddColumn("family")
            .AddColumn(new TableColumn("params").RightAligned()).AddColumn(new TableColumn("GFLOPs").RightAligned())
            .AddColumn(new TableColumn("input").RightAligned()).AddColumn("pretrained")
            .AddColumn(new TableColumn("CPU latency").RightAligned());
        foreach (var e in entries)
        {
            table.AddRow(
                Markup.Escape(e.Name),
                Markup.Escape(e.Family),
                (e.Params / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " M",
                (e.Flops / 1e9).ToString("0.00", CultureInfo.InvariantCulture),
                e.InputSize.ToString(CultureInfo.InvariantCulture) + " px",
                e.Pretrained ? Markup.Escape(e.Weights ?? "yes") + (e.WeightsBytes is { } b ? (b / 1e6).ToString(" (0.0 MB)", CultureInfo.InvariantCulture) : "")
                    : e.WeightsPublished ? "no (vf zoo weights get)" : "no",
                e.CpuLatencyMs is { } ms ? ms.ToString("0.0", CultureInfo.InvariantCulture) + $" ms ({e.LatencyThreads} threads)" : "not measured");
        }

        cli.Console.Write(table);
        if (entries.Any(e => e.CpuLatencyMs is null))
        {
            cli.Console.MarkupLine("Latency is measured on this machine by [bold]vf zoo bench[/] (all, or --arch name).");
        }
    }
}
