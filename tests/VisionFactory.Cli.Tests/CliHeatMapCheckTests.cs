using System.Diagnostics;
using System.Text.Json;
using VisionFactory.Testing;
using Xunit.Abstractions;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// The heat-map check and the external gap of <c>vf evaluate</c> tell a model that learnt a planted shortcut (a magenta
/// patch in one class's corner) from one trained on the same bars without it (issue 19, outcome 3).
/// </summary>
public sealed class CliHeatMapCheckTests(ITestOutputHelper output) : IDisposable
{
    private readonly CliRunner cli = new();

    [Fact]
    public async Task HeatMapCheckFlagsAModelThatLearntACornerPatchAndNotOneTrainedWithoutIt()
    {
        var clock = Stopwatch.StartNew();

        // Other bars, never with the patch: the external test set of both datasets, as another camera's pictures would be.
        var elsewhere = cli.Scratch("elsewhere");
        ShortcutImages.WriteDataset(elsewhere, perClass: 30, size: 32, patch: false, firstVariant: 1000);
        await cli.RunJsonAsync("dataset", "import", "elsewhere", elsewhere);

        var patched = await TrainAsync("patched", patch: true);
        var clean = await TrainAsync("clean", patch: false);

        var shortcut = patched.GetProperty("heat_map_check");
        var honest = clean.GetProperty("heat_map_check");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s; patched {patched.GetProperty("accuracy").GetDouble():P1}: {shortcut}");
        output.WriteLine($"clean {clean.GetProperty("accuracy").GetDouble():P1}: {honest}");

        // The patch is in the standing bars' top-left corner: their evidence peaks there, and the warning says so.
        var standing = shortcut.GetProperty("classes")[1];
        Assert.Equal("standing", standing.GetProperty("class").GetString());
        Assert.True(standing.GetProperty("peak_concentration").GetDouble() >= 0.5, standing.ToString());
        Assert.Equal("top-left corner", standing.GetProperty("peak_region").GetString());
        var warning = Assert.Single(shortcut.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("'standing'", StringComparison.Ordinal));
        Assert.Contains("top-left corner", warning.GetString(), StringComparison.Ordinal);

        // The same bars without the patch: the model has to find the bar wherever it is, and nothing is flagged.
        Assert.True(clean.GetProperty("accuracy").GetDouble() >= 0.8, $"the clean model did not learn the shapes: {clean.GetProperty("accuracy")}");
        Assert.Empty(honest.GetProperty("warnings").EnumerateArray());
        Assert.All(honest.GetProperty("classes").EnumerateArray(), c => Assert.True(c.GetProperty("peak_concentration").GetDouble() < 0.5, c.ToString()));
        Assert.Equal(14 * 14, honest.GetProperty("classes")[0].GetProperty("mean_map").GetArrayLength());
        Assert.Equal("cam", honest.GetProperty("method").GetString());

        // Elsewhere, without the patch, the shortcut model misses the standing bars, and vf evaluate says so by name;
        // the honest model keeps finding them.
        var gap = patched.GetProperty("external_check");
        output.WriteLine($"external: patched {gap}; clean {clean.GetProperty("external_check")}");
        Assert.Equal("elsewhere", gap.GetProperty("external_dataset").GetString());
        var missed = Assert.Single(gap.GetProperty("warnings").EnumerateArray()).GetString()!;
        Assert.StartsWith("standing recall falls from", missed, StringComparison.Ordinal);
        Assert.Contains("on elsewhere (30 images)", missed, StringComparison.Ordinal);
        Assert.Empty(clean.GetProperty("external_check").GetProperty("warnings").EnumerateArray());
        var text = await cli.RunAsync("evaluate", patched.GetProperty("model").GetString()!);
        Assert.Contains("shortcut warning: standing recall falls", System.Text.RegularExpressions.Regex.Replace(text.Output, @"\s+", " "), StringComparison.Ordinal);
    }

    private async Task<JsonElement> TrainAsync(string name, bool patch)
    {
        var source = cli.Scratch(name);
        ShortcutImages.WriteDataset(source, perClass: 80, size: 32, patch);
        await cli.RunJsonAsync("dataset", "import", name, source);
        await cli.RunJsonAsync("dataset", "external-test", name, "elsewhere");
        var trained = await cli.RunJsonAsync(
            "train", name, "--arch", "small_cnn", "--mode", "finetune", "--scratch", "--image-size", "32", "--epochs", "5", "--batch-size", "16", "--optimizer", "adamw", "--lr", "0.003", "--wait");
        return await cli.RunJsonAsync("evaluate", trained.GetProperty("model").GetString()!);
    }

    public void Dispose() => cli.Dispose();
}
