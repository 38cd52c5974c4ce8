using System.Globalization;
using VisionFactory.Domain.Runs;

namespace VisionFactory.Server.Components.Common;

/// <summary>How numbers, durations and run states read on every page, so that the same thing always looks the same.</summary>
public static class Show
{
    public static string Percent(double? share) =>
        share is { } s && double.IsFinite(s) ? (s * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";

    public static string Number(double? value, string format = "0.0000") =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Rate(double? perSecond, string unit = "img/s") =>
        perSecond is { } r && double.IsFinite(r) && r > 0 ? r.ToString("0.0", CultureInfo.InvariantCulture) + " " + unit : "–";

    /// <summary>
    /// The speed the latest report measured, in what it counts: images through the network while it trains or computes
    /// features, cached feature vectors while a head-only run trains its head (thousands a second, not images the network saw).
    /// </summary>
    public static string Throughput(RunProgress? progress) => progress switch
    {
        { Phase: "training_head" } p => Rate(p.ImagesPerSecond, "cached features/s"),
        { Phase: "validating" or "evaluating" } => "–",
        var p => Rate(p?.ImagesPerSecond),
    };

    /// <summary>The running training loss and accuracy; while the model is validated or evaluated there are none, and that is said.</summary>
    public static string RunningFigures(RunProgress? progress) => progress switch
    {
        { Phase: "training" or "training_head" } p => Number(p.Loss, "0.000") + " / " + Percent(p.Accuracy),
        { Phase: "validating" } => "validating…",
        { Phase: "evaluating" } => "evaluating…",
        _ => "–",
    };

    /// <summary>"2 h 05 min", "3 min 12 s", "45 s".</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } s || !double.IsFinite(s) || s < 0)
        {
            return "–";
        }

        var span = TimeSpan.FromSeconds(Math.Round(s));
        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes:00} min")
            : span.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes} min {span.Seconds:00} s")
                : string.Create(CultureInfo.InvariantCulture, $"{span.Seconds} s");
    }

    public static string When(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The state as the API and the CLI write it: "queued", "running", "succeeded"...</summary>
    public static string State(RunState state) => state.ToString().ToLowerInvariant();

    public static MudBlazor.Color StateColor(RunState state) => state switch
    {
        RunState.Running => MudBlazor.Color.Info,
        RunState.Succeeded => MudBlazor.Color.Success,
        RunState.Failed => MudBlazor.Color.Error,
        RunState.Interrupted => MudBlazor.Color.Warning,
        _ => MudBlazor.Color.Default,
    };

    /// <summary>Share of the run done, 0 to 1, from its state and latest progress; null when it cannot be told.</summary>
    public static double? Done(RunState state, RunProgress? progress)
    {
        if (state == RunState.Succeeded)
        {
            return 1;
        }

        // The evaluation after training reports no steps: how far it is cannot be told, and "0 %" would be untrue.
        if (progress is not { Epochs: > 0 } p || p.Phase == "evaluating")
        {
            return state == RunState.Queued ? 0 : null;
        }

        return p.Phase switch
        {
            "training" when p.Total > 0 => Math.Clamp(((p.Epoch - 1) + ((double)p.Done / p.Total)) / p.Epochs, 0, 1),
            "training_head" or "validating" => Math.Clamp((double)p.Epoch / p.Epochs, 0, 1),
            _ => 0,
        };
    }

    /// <summary>"epoch 2 / 5 · step 14 / 40", or the phase while images load.</summary>
    public static string Position(RunProgress? progress) => progress switch
    {
        null => "–",
        { Phase: "training" } p => string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch} / {p.Epochs} · step {p.Done} / {p.Total}"),
        { Phase: "training_head" or "validating" } p => string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch} / {p.Epochs}"),
        { Phase: "evaluating", Done: 0 } p => string.Create(CultureInfo.InvariantCulture, $"evaluating {p.Total} test images…"),
        var p => p.Phase.Replace('_', ' ') + (p.Total > 0 ? string.Create(CultureInfo.InvariantCulture, $" {p.Done} / {p.Total}") : ""),
    };
}
