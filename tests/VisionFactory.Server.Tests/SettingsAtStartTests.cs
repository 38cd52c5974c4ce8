using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>Every settings section is checked when <c>vf serve</c> starts: a bad value stops it with one message naming the setting.</summary>
public sealed class SettingsAtStartTests
{
    [Theory]
    [InlineData("Collect__Web__MaxBytes", "-1", "Collect:Web:MaxBytes")]
    [InlineData("Collect__Search__Endpoint", "not an address", "Collect:Search:Endpoint")]
    [InlineData("Collect__Search__Provider", "altavista", "Collect:Search:Provider")]
    [InlineData("Collect__Public__Mirror", "not an address", "Collect:Public:Mirror")]
    [InlineData("Collect__Public__CatalogFile", "/nonexistent/catalog.json", "Collect:Public:CatalogFile")]
    [InlineData("Collect__Public__MaxBytes", "0", "Collect:Public:MaxBytes")]
    [InlineData("Collect__Remote__AllowedRanges__0", "10.0.0.0/99", "Collect:Remote:AllowedRanges")]
    [InlineData("Collect__Inbox__Path", "/nonexistent/vf-inbox", "Collect:Inbox:Path")]
    [InlineData("Pipelines__PredictMaxBatch", "0", "Pipelines:PredictMaxBatch")]
    [InlineData("Factory__ThreadBudget", "0", "Factory: the thread budget must be at least 1")]
    [InlineData("Zoo__Weights__Mirror", "ftp://mirror.lab/models", "Zoo:Weights:Mirror")]
    [InlineData("Zoo__Weights__MaxBytes", "0", "Zoo:Weights:MaxBytes")]
    public async Task ABadSettingStopsServeAtStartNamingIt(string variable, string value, string named)
    {
        using var data = new TempDirectory("vf-settings");

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            VfProcess.StartAsync("web", data.Combine("data"), null, "web", new Dictionary<string, string> { [variable] = value }, shippedLogging: true));

        Assert.Contains("exited 2 at start", failed.Message, StringComparison.Ordinal);
        Assert.Contains("error: the settings are not valid: ", failed.Message, StringComparison.Ordinal);
        Assert.Contains(named, failed.Message, StringComparison.Ordinal);

        // One message, not the host's logged failure with its stack trace.
        Assert.DoesNotContain("   at ", failed.Message, StringComparison.Ordinal);
    }
}
