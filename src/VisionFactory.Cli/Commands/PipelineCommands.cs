using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Factory;
using VisionFactory.Pipelines;
using VisionFactory.Pipelines.Assistant;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Server.Hosting;
using VisionFactory.Server.Pipelines;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf pipeline catalog | validate | save | list | run | suggest</c>.</summary>
public static class PipelineCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var pipeline = new Command("pipeline", "Put a model to work: pipelines of catalog components (camera -> faces -> classify -> store)");
        pipeline.Add(Catalog(globals, interactive));
        pipeline.Add(Validate(globals, interactive));
        pipeline.Add(Save(globals, interactive));
        pipeline.Add(List(globals, interactive));
        pipeline.Add(Run(globals, interactive));
        pipeline.Add(Suggest(globals, interactive));
        return pipeline;
    }

    private static Command Catalog(GlobalOptions globals, bool interactive)
    {
        var command = new Command("catalog", "Every component a pipeline can use: sources, processors, sinks and their settings");
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, cli =>
        {
            var components = ComponentCatalog.Default.All;
            if (cli.Json)
            {
                cli.WriteJson(components.Select(c => new
                {
                    id = c.Id,
                    kind = c.Kind,
                    version = c.Version,
                    title = c.Title,
                    description = c.Description,
                    requires = Names(c.Requires),
                    produces = Names(c.Produces),
                    settings_schema = c.SettingsSchema,
                }).ToList());
                return Task.FromResult(0);
            }

            var table = new Table().AddColumn("id").AddColumn("kind").AddColumn("settings").AddColumn("description");
            foreach (var c in components)
            {
                var settings = c.SettingsSchema["properties"]?.AsObject().Select(p => p.Key) ?? [];
                table.AddRow(Markup.Escape(c.Id), c.Kind.ToString().ToLowerInvariant(), Markup.Escape(string.Join(", ", settings)), Markup.Escape(c.Description));
            }

            cli.Console.Write(table);
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Validate(GlobalOptions globals, bool interactive)
    {
        var file = new Argument<string>("file") { Description = "A pipeline definition (.json, .yaml or .yml)" };
        var command = new Command("validate", "Check a pipeline definition against the catalog; every problem names its step and setting") { file };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, cli =>
        {
            var definition = new PipelineValidator(ComponentCatalog.Default).ValidateOrThrow(PipelineDefinitionReader.ReadFile(parse.GetValue(file)!));
            var warnings = StartWarnings(cli, definition);
            if (cli.Json)
            {
                cli.WriteJson(new { valid = true, name = definition.Name, steps = definition.Steps.Select(s => new { id = s.Id, component = s.Component }), warnings });
            }
            else
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[green]valid[/]: {0} ({1})", Markup.Escape(definition.Name),
                    Markup.Escape(string.Join(" -> ", definition.Steps.Select(s => s.Id))));
                ShowWarnings(cli, warnings);
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Save(GlobalOptions globals, bool interactive)
    {
        var file = new Argument<string>("file") { Description = "A pipeline definition (.json, .yaml or .yml)" };
        var command = new Command("save", "Save a pipeline definition as the next version of its name (the web host can then start it)") { file };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await OpenAsync(cli, new PipelineOptions(), ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var definition = PipelineDefinitionReader.ReadFile(parse.GetValue(file)!);
            var saved = await scope.ServiceProvider.GetRequiredService<PipelineService>().SaveAsync(definition, ct).ConfigureAwait(false);
            var warnings = StartWarnings(cli, definition);
            if (cli.Json)
            {
                cli.WriteJson(new { name = saved.Name, version = saved.Number, created_at = saved.CreatedAt, warnings });
            }
            else
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Saved [bold]{0}[/] version {1}", Markup.Escape(saved.Name), saved.Number);
                ShowWarnings(cli, warnings);
            }

            return 0;
        }));
        return command;
    }

    private static Command List(GlobalOptions globals, bool interactive)
    {
        var command = new Command("list", "Saved pipelines, newest version of each");
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await OpenAsync(cli, new PipelineOptions(), ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var all = await scope.ServiceProvider.GetRequiredService<PipelineService>().ListAsync(ct).ConfigureAwait(false);
            var rows = all.Select(p => new { name = p.Name, version = p.Number, created_at = p.CreatedAt, steps = PipelineDefinitionReader.ReadJson(p.Definition).Steps.Select(s => s.Id).ToList() }).ToList();
            if (cli.Json)
            {
                cli.WriteJson(new { pipelines = rows });
                return 0;
            }

            var table = new Table().AddColumn("name").AddColumn(new TableColumn("version").RightAligned()).AddColumn("steps").AddColumn("saved");
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.name), r.version.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(" -> ", r.steps)), r.created_at.ToString("u", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Run(GlobalOptions globals, bool interactive)
    {
        var file = new Argument<string>("file") { Description = "A pipeline definition (.json, .yaml or .yml)" };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (default: run until Ctrl+C or SIGTERM)" };
        var yunet = new Option<string?>("--yunet") { Description = "OpenCV's YuNet face model (face_detection_yunet.onnx) for face_detection steps (default: $VF_YUNET, else <data>/models/face_detection_yunet.onnx)" };
        var allow = new Option<string[]>("--allow-webhook-network") { Description = "A network (CIDR) webhook steps may post to although it is internal, e.g. 10.0.0.0/8", AllowMultipleArgumentsPerToken = true };
        var interval = new Option<double>("--interval") { Description = "Seconds between two metric reports when not on a terminal", DefaultValueFactory = _ => 5 };
        var command = new Command("run", "Run a pipeline here until Ctrl+C (or --duration), showing live per-step figures") { file, duration, yunet, allow, interval };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var definition = PipelineDefinitionReader.ReadFile(parse.GetValue(file)!);
            var options = new PipelineOptions
            {
                YuNetModelPath = parse.GetValue(yunet) ?? Environment.GetEnvironmentVariable("VF_YUNET") ?? Path.Combine(cli.Data.Root, "models", "face_detection_yunet.onnx"),
                WebhookAllowedNetworks = [.. parse.GetValue(allow) ?? []],
            };
            await using var services = await OpenAsync(cli, options, ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var runner = await scope.ServiceProvider.GetRequiredService<PipelineService>().BuildToRunHereAsync(definition, ct).ConfigureAwait(false);
            await using (runner)
            {
                runner.Start();
                using var until = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (parse.GetValue(duration) is > 0 and var seconds)
                {
                    until.CancelAfter(TimeSpan.FromSeconds(seconds));
                }

                await ShowAsync(cli, runner, TimeSpan.FromSeconds(Math.Max(0.2, parse.GetValue(interval))), until.Token).ConfigureAwait(false);
                await runner.StopAsync().ConfigureAwait(false);
                var final = runner.Metrics();
                if (cli.Json)
                {
                    cli.WriteJson(final);
                }
                else
                {
                    cli.Console.Write(MetricsTable(final));
                    cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Stopped after {0} frames.", final.Frames);
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Suggest(GlobalOptions globals, bool interactive)
    {
        var dataset = new Argument<string>("dataset") { Description = "The dataset the models were trained on" };
        var minAccuracy = new Option<double>("--min-accuracy") { Description = "Lowest acceptable test accuracy, 0..1 (or a percentage above 1)", DefaultValueFactory = _ => 0.9 };
        var maxLatency = new Option<double>("--max-latency-ms") { Description = "Highest acceptable single-image latency on this machine, in ms", DefaultValueFactory = _ => 50 };
        var fill = new Option<string?>("--fill") { Description = "A JSON pipeline file whose classify steps get the chosen model (the closest one when none meets both targets; the exit code is then 3)" };
        var command = new Command("suggest", "The model-selection assistant: the fastest model that meets an accuracy and a latency target") { dataset, minAccuracy, maxLatency, fill };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await OpenAsync(cli, new PipelineOptions(), ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var accuracy = parse.GetValue(minAccuracy);
            var suggestion = await scope.ServiceProvider.GetRequiredService<ModelAdvisor>()
                .SuggestAsync(parse.GetValue(dataset)!, accuracy > 1 ? accuracy / 100 : accuracy, parse.GetValue(maxLatency), ct).ConfigureAwait(false);
            if (parse.GetValue(fill) is { } path && suggestion.ClassifyStep?.Settings?.GetProperty("model").GetString() is { } model)
            {
                FillClassifySteps(path, model);
            }

            if (cli.Json)
            {
                cli.WriteJson(suggestion);
                return 0;
            }

            var table = new Table().AddColumn("model").AddColumn("architecture").AddColumn(new TableColumn("accuracy").RightAligned())
                .AddColumn(new TableColumn("latency").RightAligned()).AddColumn("meets targets");
            foreach (var c in suggestion.Candidates)
            {
                table.AddRow(
                    c.Model == suggestion.Choice ? $"[bold]{c.Model}[/]" : c.Model, Markup.Escape(c.Architecture),
                    c.Accuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) + (c.AccuracySource == "test split" ? "" : Markup.Escape($" ({c.AccuracySource})")) : "not evaluated",
                    c.LatencyMs.ToString("0.0", CultureInfo.InvariantCulture) + " ms" + (c.LatencyMeasuredNow ? " (measured now)" : ""),
                    c.MeetsAccuracy && c.MeetsLatency ? "[green]yes[/]" : c.MeetsAccuracy ? "accuracy only" : c.MeetsLatency ? "latency only" : "no");
            }

            cli.Console.Write(table);
            cli.Console.MarkupLine(Markup.Escape(suggestion.Reason));
            return suggestion.Choice is null ? 3 : 0;
        }));
        return command;
    }

    /// <summary>
    /// What a web server started with this environment ('vf serve') would refuse at Start: the CLI reads the same
    /// Pipelines settings from the environment (e.g. Pipelines__FolderRoots__0) that the server does.
    /// </summary>
    private static List<string> StartWarnings(CliContext cli, PipelineDefinition definition) =>
        new PipelineStartChecks(SettingsRegistration.FromEnvironment<PipelineOptions>(cli.Data))
            .Warnings(definition).Select(w => "on a web server with this environment, " + w).ToList();

    private static void ShowWarnings(CliContext cli, List<string> warnings)
    {
        foreach (var warning in warnings)
        {
            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "[yellow]warning[/]: {0}", Markup.Escape(warning));
        }
    }

    private static void FillClassifySteps(string path, string model)
    {
        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || !File.Exists(path))
        {
            throw ProblemException.Invalid($"--fill takes an existing .json pipeline file, not '{path}'");
        }

        var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw ProblemException.Invalid($"'{path}' is empty");
        var steps = root["steps"]?.AsArray().Where(s => (string?)s?["component"] == "classify").ToList() ?? [];
        if (steps.Count == 0)
        {
            throw ProblemException.Invalid($"'{path}' has no classify step to fill");
        }

        foreach (var step in steps)
        {
            var settings = step!["settings"] as JsonObject ?? new JsonObject();
            settings["model"] = model;
            step["settings"] = settings;
        }

        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static async Task ShowAsync(CliContext cli, PipelineRunner runner, TimeSpan interval, CancellationToken until)
    {
        try
        {
            if (cli.Interactive)
            {
                await cli.Console.Live(MetricsTable(runner.Metrics())).StartAsync(async live =>
                {
                    while (!until.IsCancellationRequested)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), until).ConfigureAwait(false);
                        live.UpdateTarget(MetricsTable(runner.Metrics()));
                    }
                }).ConfigureAwait(false);
                return;
            }

            while (!until.IsCancellationRequested)
            {
                await Task.Delay(interval, until).ConfigureAwait(false);
                if (!cli.Json)
                {
                    var m = runner.Metrics();
                    var steps = m.Steps.Select(s => string.Create(CultureInfo.InvariantCulture,
                        $"{s.Step} {s.Fps:0.0} fps p50 {s.LatencyP50Ms:0.0} ms p95 {s.LatencyP95Ms:0.0} ms drops {s.Drops} errors {s.Errors}"));
                    cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.Now:HH:mm:ss} {m.Frames} frames | {string.Join(" | ", steps)}"));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C, SIGTERM or --duration: the caller stops the pipeline.
        }
    }

    private static Table MetricsTable(PipelineMetrics m)
    {
        var table = new Table().Title($"{m.Pipeline}: {m.State}, {m.Frames} frames, end to end p50 {m.EndToEndP50Ms:0.0} ms")
            .AddColumn("step").AddColumn("state").AddColumn(new TableColumn("fps").RightAligned())
            .AddColumn(new TableColumn("p50").RightAligned()).AddColumn(new TableColumn("p95").RightAligned())
            .AddColumn(new TableColumn("queue").RightAligned()).AddColumn(new TableColumn("drops").RightAligned())
            .AddColumn(new TableColumn("errors").RightAligned()).AddColumn(new TableColumn("reconnects").RightAligned());
        foreach (var s in m.Steps)
        {
            table.AddRow(
                Markup.Escape(s.Step), Markup.Escape(s.State), s.Fps.ToString("0.0", CultureInfo.InvariantCulture),
                Ms(s.LatencyP50Ms), Ms(s.LatencyP95Ms), $"{s.QueueLength}/{s.QueueCapacity}",
                s.Drops.ToString(CultureInfo.InvariantCulture), s.Errors.ToString(CultureInfo.InvariantCulture), s.Reconnects.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var e in m.Events.TakeLast(5))
        {
            table.Caption = new TableTitle(Markup.Escape($"{e.At:HH:mm:ss} {e.Step}: {e.Message}"));
        }

        return table;
    }

    private static string Ms(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";

    private static List<string> Names(FrameContent content) =>
        Enum.GetValues<FrameContent>().Where(f => f != FrameContent.None && content.HasFlag(f)).Select(f => f.ToString().ToLowerInvariant()).ToList();

    private static async Task<ServiceProvider> OpenAsync(CliContext cli, PipelineOptions options, CancellationToken cancellationToken)
    {
        // The person at the command line owns the data directory: they act as its operator.
        var services = new ServiceCollection().AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(cli.Data).AddVisionFactoryPipelines(options).BuildServiceProvider();
        await services.MigrateDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return services;
    }
}
