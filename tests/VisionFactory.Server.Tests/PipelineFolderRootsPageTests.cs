namespace VisionFactory.Server.Tests;

/// <summary>The Settings page shows an administrator the folders pipelines may read, and how to change them.</summary>
public sealed class PipelineFolderRootsPageTests
{
    [Fact]
    public async Task TheSettingsPageListsTheFolderRootsAndHowToSetThem()
    {
        var cameras = Path.Combine(Path.GetTempPath(), "vf-server-tests", "cameras-" + Guid.NewGuid().ToString("N")[..6]);
        await using var factory = new ServerFactory { Settings = { ["Pipelines:FolderRoots:0"] = cameras } };

        var html = await factory.PageAsync("/settings");

        Assert.Contains("Folders pipelines may read", html, StringComparison.Ordinal);
        Assert.Contains($"<code>{cameras}</code> (does not exist on this server)", html, StringComparison.Ordinal);
        Assert.Contains("Pipelines__FolderRoots__0=/srv/cameras", html, StringComparison.Ordinal);
    }
}
