using System.Globalization;
using Spectre.Console;
using VisionFactory.Learning.Training;

namespace VisionFactory.Cli.Output;

/// <summary>
/// Draws a run's progress: one bar per phase or epoch, created when it starts, whose description carries the
/// live figures (loss, accuracy, learning rate, images/s).
/// </summary>
public sealed class TrainingProgressView(ProgressContext context)
{
    private readonly Dictionary<string, ProgressTask> tasks = [];

    public void Show(TrainingProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        lock (tasks)
        {
            var key = p.Phase switch
            {
                TrainingPhase.Training or TrainingPhase.Validating => $"epoch {p.Epoch}/{p.Epochs}",
                TrainingPhase.ComputingFeatures => "backbone features",
                TrainingPhase.TrainingHead => "head epochs",
                TrainingPhase.LoadingImages => "loading images",
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

            task.MaxValue = Math.Max(1, p.Total);
            task.Value = p.Done;
            task.Description = p.Phase switch
            {
                TrainingPhase.Training or TrainingPhase.TrainingHead => string.Create(CultureInfo.InvariantCulture,
                    $"{key}  loss {p.Loss:0.0000}  acc {p.Accuracy * 100:0.0}%  lr {p.LearningRate:0.00000}  {p.ImagesPerSecond:0.0} img/s"),
                TrainingPhase.ComputingFeatures => string.Create(CultureInfo.InvariantCulture,
                    $"{key}  {p.Done}/{p.Total} images  {p.ImagesPerSecond:0.0} img/s"),
                _ => key,
            };
        }
    }
}
