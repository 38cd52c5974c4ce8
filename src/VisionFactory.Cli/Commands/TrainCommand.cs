using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Learning.Training;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf train &lt;dataset&gt;</c>: trains a model on the newest version of a dataset.</summary>
public static class TrainCommand
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var defaults = new TrainingSpec();
        var dataset = new Argument<string>("dataset") { Description = "Dataset name" };
        var arch = new Option<string>("--arch") { Description = "Architecture", DefaultValueFactory = _ => defaults.Architecture };
        var mode = new Option<TrainingMode>("--mode")
        {
            Description = "head: train only the classifier on cached backbone features (seconds); finetune: train every layer",
            DefaultValueFactory = _ => defaults.Mode,
        };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: head 60, finetune 3)" };
        var batch = new Option<int>("--batch-size") { Description = "Images per step", DefaultValueFactory = _ => defaults.BatchSize };
        var size = new Option<int>("--image-size") { Description = "Side of the square input in pixels", DefaultValueFactory = _ => defaults.ImageSize };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate of the one-cycle schedule (default: by mode and optimizer)" };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "sgd (momentum 0.9) or adamw", DefaultValueFactory = _ => defaults.Optimizer };
        var decay = new Option<double>("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var noFlip = new Option<bool>("--no-flip") { Description = "Do not flip training images left-right" };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: all cores)", DefaultValueFactory = _ => defaults.Threads };
        var wait = new Option<bool>("--wait")
        {
            Description = "Follow the run until it ends (runs from the command line always run in this process for now)",
        };
        var command = new Command("train", "Train a model on the newest version of a dataset; prints its id and held-out evaluation")
        {
            dataset, arch, mode, epochs, batch, size, lr, optimizer, decay, noFlip, seed, threads, wait,
        };

        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var spec = new TrainingSpec
            {
                Architecture = parse.GetValue(arch)!,
                Mode = parse.GetValue(mode),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                ImageSize = parse.GetValue(size),
                LearningRate = parse.GetValue(lr),
                Optimizer = parse.GetValue(optimizer),
                WeightDecay = parse.GetValue(decay),
                HorizontalFlip = !parse.GetValue(noFlip),
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
            };
            var datasetName = parse.GetValue(dataset)!;
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var training = scope.ServiceProvider.GetRequiredService<TrainingService>();

            ModelVersion model;
            if (cli.Interactive)
            {
                model = await cli.Console.Progress()
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(ctx => training.TrainAsync(datasetName, spec, new ImmediateProgress<TrainingProgress>(new TrainingProgressView(ctx).Show), ct))
                    .ConfigureAwait(false);
            }
            else
            {
                model = await training.TrainAsync(datasetName, spec, null, ct).ConfigureAwait(false);
            }

            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    model = model.Id,
                    dataset = datasetName,
                    architecture = spec.Architecture,
                    mode = spec.Mode,
                    spec,
                    training_seconds = model.TrainingSeconds,
                    history = model.History,
                    evaluation = model.Evaluation,
                });
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "Model [bold]{0}[/] trained in {1:0.0} s ({2}, {3}, {4} epochs)",
                model.Id, model.TrainingSeconds, Markup.Escape(spec.Architecture), spec.Mode.ToString().ToLowerInvariant(), spec.ResolvedEpochs);
            var last = model.History[^1];
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "last epoch: train loss {0}, validation loss {1}, validation accuracy {2}",
                Tables.Number(last.TrainLoss), Tables.Number(last.ValidationLoss), Tables.Percent(last.ValidationAccuracy));
            if (model.Evaluation is { } evaluation)
            {
                Tables.WriteEvaluation(cli.Console, evaluation);
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "next: [bold]vf predict {0} <image or folder>[/]", model.Id);
            return 0;
        }));
        return command;
    }
}
