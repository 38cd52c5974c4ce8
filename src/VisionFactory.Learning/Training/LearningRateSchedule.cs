using VisionFactory.Domain.Models;

namespace VisionFactory.Learning.Training;

/// <summary>
/// The learning rate of every step of a run as a pure function of the global step (0 = the first step), so a run
/// resumed from a checkpoint needs only its step number to continue the schedule.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>One-cycle: the rate starts at peak / 25 ...</summary>
    public const double OneCycleDivFactor = 25;

    /// <summary>... and ends at peak / 25 / 10000 (PyTorch's OneCycleLR defaults).</summary>
    public const double OneCycleFinalDivFactor = 1e4;

    private LearningRateSchedule(
        LearningRateScheduleKind kind, double peak, long totalSteps, long warmupSteps, long stepsPerEpoch, int stepSize, double gamma, double riseSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peak);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        Kind = kind;
        Peak = peak;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        StepsPerEpoch = Math.Max(1, stepsPerEpoch);
        StepSize = Math.Max(1, stepSize);
        Gamma = gamma;
        RiseSteps = riseSteps;
    }

    public LearningRateScheduleKind Kind { get; }

    /// <summary>The highest rate of the run.</summary>
    public double Peak { get; }

    /// <summary>Steps of the whole run; <see cref="At"/> of this step is where the schedule ends.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps of the linear warm-up (step and cosine schedules).</summary>
    public long WarmupSteps { get; }

    public long StepsPerEpoch { get; }

    /// <summary>Step schedule: epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>Step schedule: factor of every decay.</summary>
    public double Gamma { get; }

    /// <summary>One-cycle: steps of the rise to the peak (PyTorch's pct_start times the total steps).</summary>
    public double RiseSteps { get; }

    /// <summary>PyTorch's OneCycleLR (cosine annealing, no momentum cycling) rising over <paramref name="riseSteps"/>.</summary>
    public static LearningRateSchedule OneCycle(double peak, long totalSteps, double riseSteps) =>
        new(LearningRateScheduleKind.OneCycle, peak, totalSteps, 0, 1, 1, 1, riseSteps);

    /// <summary>Peak times gamma^(epoch / stepSize), after a linear warm-up.</summary>
    public static LearningRateSchedule Step(double peak, long totalSteps, long stepsPerEpoch, int stepSize, double gamma, long warmupSteps = 0) =>
        new(LearningRateScheduleKind.Step, peak, totalSteps, warmupSteps, stepsPerEpoch, stepSize, gamma, 0);

    /// <summary>Half a cosine from the peak (after a linear warm-up) to 0 at <see cref="TotalSteps"/>.</summary>
    public static LearningRateSchedule Cosine(double peak, long totalSteps, long warmupSteps = 0) =>
        new(LearningRateScheduleKind.Cosine, peak, totalSteps, warmupSteps, 1, 1, 1, 0);

    /// <summary>The schedule a spec asks for, over its epochs of <paramref name="stepsPerEpoch"/> steps.</summary>
    public static LearningRateSchedule For(TrainingSpec spec, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var total = (long)spec.ResolvedEpochs * stepsPerEpoch;
        var warmup = (long)spec.WarmupEpochs * stepsPerEpoch;
        return spec.Schedule switch
        {
            LearningRateScheduleKind.Step => Step(spec.ResolvedLearningRate, total, stepsPerEpoch, spec.ResolvedStepSize, spec.StepGamma, warmup),
            LearningRateScheduleKind.Cosine => Cosine(spec.ResolvedLearningRate, total, warmup),

            // Head mode keeps OneCycleLR's default rise (30%); finetune starts from pretrained weights, so it peaks sooner.
            _ => OneCycle(
                spec.ResolvedLearningRate,
                total,
                warmup > 0 ? warmup : total * (spec.Mode == TrainingMode.Head ? 0.3 : 0.15)),
        };
    }

    /// <summary>The learning rate of global step <paramref name="step"/> (0-based; clamped to [0, TotalSteps]).</summary>
    public double At(long step)
    {
        step = Math.Clamp(step, 0, TotalSteps);
        return Kind switch
        {
            LearningRateScheduleKind.OneCycle => OneCycleAt(step),
            LearningRateScheduleKind.Step => Warmup(step) * Peak * Math.Pow(Gamma, step / StepsPerEpoch / StepSize),
            _ => CosineAt(step),
        };
    }

    private double Warmup(long step) => step < WarmupSteps ? (step + 1) / (double)WarmupSteps : 1;

    private double CosineAt(long step)
    {
        if (step < WarmupSteps)
        {
            return Warmup(step) * Peak;
        }

        var span = TotalSteps - WarmupSteps;
        var progress = span <= 0 ? 1 : (step - WarmupSteps) / (double)span;
        return Peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    // PyTorch's two phases: peak/25 -> peak over [0, rise - 1], then peak -> peak/25/1e4 over [rise - 1, total - 1].
    private double OneCycleAt(long step)
    {
        var initial = Peak / OneCycleDivFactor;
        var minimum = initial / OneCycleFinalDivFactor;
        var riseEnd = RiseSteps - 1;
        if (step <= riseEnd)
        {
            return Anneal(initial, Peak, riseEnd <= 0 ? 1 : step / riseEnd);
        }

        var fallEnd = TotalSteps - 1;
        return Anneal(Peak, minimum, fallEnd <= riseEnd ? 1 : Math.Min(1, (step - riseEnd) / (fallEnd - riseEnd)));
    }

    private static double Anneal(double start, double end, double progress) =>
        end + ((start - end) / 2 * (Math.Cos(Math.PI * progress) + 1));
}
