using System.Globalization;
using Spectre.Console;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Cli.Output;

/// <summary>
/// Draws a run's progress: one bar per phase or epoch, created when it starts, whose description carries the
/// live figures (loss, accuracy, learning rate, images/s, ETA).
/// </summary>
public sealed class TrainingProgressView(ProgressContext context)
{
    private readonly Dictionary<string, ProgressTask> tasks = [];

    public void Show(RunProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        lock (tasks)
        {
            var key = p.Phase switch
            {
                "training" or "validating" => $"epoch {p.Epoch}/{p.Epochs}",
                "computing_features" => "backbone features",
                "training_head" => "head epochs",
                "loading_images" => "loading images",
                _ => "evaluating on the test split",
            };

            if (!tasks.TryGetValue(key, out var task))
            {
                foreach (var earlier in tasks.Values.Where(t => !t.IsFinished))
                {
                    earlier.Value = earlier.MaxValue;
                }

                tasks[key] = task = context.AddTask(key, maxValue: 1);
            }

            var eta = p.EtaSeconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"  eta {TimeSpan.FromSeconds(Math.Round(s)):g}") : "";
            task.MaxValue = Math.Max(1, p.Total);
            task.Value = p.Done;
            task.Description = p.Phase switch
            {
                "training" or "training_head" => string.Create(CultureInfo.InvariantCulture,
                    $"{key}  loss {p.Loss:0.0000}  acc {p.Accuracy * 100:0.0}%  lr {p.LearningRate:0.00000}  {p.ImagesPerSecond:0.0} img/s{eta}"),
                "computing_features" => string.Create(CultureInfo.InvariantCulture,
                    $"{key}  {p.Done}/{p.Total} images  {p.ImagesPerSecond:0.0} img/s"),
                _ => key,
            };
        }
    }

    /// <summary>Marks every bar done once the run has ended.</summary>
    public void Finish()
    {
        lock (tasks)
        {
            foreach (var task in tasks.Values)
            {
                task.Value = task.MaxValue;
            }
        }
    }
}
