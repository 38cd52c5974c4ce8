using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary><c>vf admin backup|restore|check|gc</c> on real data directories, run as fresh processes where it matters.</summary>
public sealed class CliAdminStorageTests
{
    [Fact]
    public async Task BackupAndRestoreRoundTripAPopulatedInstanceThroughFreshProcesses()
    {
        using var cli = new CliRunner();
        var source = cli.Scratch("shapes");
        SyntheticImages.WriteDataset(source, ["circles", "squares"], perClass: 12, distinct: true);
        await cli.RunJsonAsync("dataset", "import", "shapes", source);
        var model = (await cli.RunJsonAsync("train", "shapes", "--mode", "head", "--image-size", "32", "--epochs", "20", "--batch-size", "8", "--wait"))
            .GetProperty("model").GetString()!;
        var circle = Path.Combine(source, "circles", "000.png");
        var predictedBefore = Label(await cli.RunJsonAsync("predict", model, circle));
        var datasetBefore = (await cli.RunJsonAsync("dataset", "show", "shapes")).GetRawText();

        // Users, an API key and the sign-in keys come from the web host's first-run set-up.
        string key;
        using (var host = await VfProcess.StartAsync("original", cli.DataPath, null, "web"))
        {
            key = host.Client.DefaultRequestHeaders.Authorization!.Parameter!;
            await host.PostAsync("/api/users", new { user_name = "editor-eve", password = "a long enough password 1", role = "editor" });
            Assert.Equal(0, host.Terminate(TimeSpan.FromSeconds(30)));
        }

        var backup = Path.Combine(cli.Scratch("backups"), "instance.zip");
        var written = await VfCommand.RunAsync("admin", "backup", backup, "--data", cli.DataPath, "--json");
        Assert.True(written.ExitCode == 0, written.Error);
        Assert.Equal(24 + 2, written.Json.GetProperty("manifest").GetProperty("blobs").GetInt32());

        var restoredData = Path.Combine(cli.Scratch("restored"), "data");
        var restored = await VfCommand.RunAsync("admin", "restore", backup, "--data", restoredData, "--json");
        Assert.True(restored.ExitCode == 0, restored.Error);

        var again = await VfCommand.RunAsync("admin", "restore", backup, "--data", restoredData);
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("not empty", again.Error, StringComparison.Ordinal);
        Assert.Contains("--force", again.Error, StringComparison.Ordinal);
        var forced = await VfCommand.RunAsync("admin", "restore", backup, "--data", restoredData, "--force");
        Assert.True(forced.ExitCode == 0, forced.Error);

        var check = await VfCommand.RunAsync("admin", "check", "--data", restoredData, "--json");
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.True(check.Json.GetProperty("ok").GetBoolean());
        Assert.Equal(26, check.Json.GetProperty("blobs_checked").GetInt32());

        var shown = await VfCommand.RunAsync("dataset", "show", "shapes", "--data", restoredData, "--json");
        Assert.Equal(datasetBefore, shown.Json.GetRawText());
        var predicted = await VfCommand.RunAsync("predict", model, circle, "--data", restoredData, "--json");
        Assert.True(predicted.ExitCode == 0, predicted.Error);
        Assert.Equal(predictedBefore, Label(predicted.Json));

        // The restored host knows the users and the administrator's API key, and serves every image.
        using var copy = await VfProcess.StartAsync("restored", restoredData, null, "web", signIn: false);
        copy.Client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var users = await copy.GetAsync("/api/users");
        Assert.Equal(["admin", "editor-eve"], users.AsArray().Select(u => (string)u!["user_name"]!).Order(StringComparer.Ordinal));
        foreach (var sha in await ImageShasAsync(restoredData))
        {
            using var response = await copy.Client.GetAsync($"/api/images/{sha}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task CheckNamesADamagedAndAMissingBlobAndExitsNonZero()
    {
        using var cli = new CliRunner();
        var source = cli.Scratch("shapes");
        SyntheticImages.WriteDataset(source, ["circles", "squares"], perClass: 4, distinct: true);
        await cli.RunJsonAsync("dataset", "import", "shapes", source);
        var clean = await cli.RunJsonAsync("admin", "check");
        Assert.True(clean.GetProperty("ok").GetBoolean());

        var blobs = Directory.EnumerateFiles(Path.Combine(cli.DataPath, "blobs"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var damaged = blobs[0];
        var bytes = await File.ReadAllBytesAsync(damaged);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(damaged, bytes);
        File.Delete(blobs[1]);

        var result = await cli.RunAsync("admin", "check");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains($"damaged {Path.GetFileName(damaged)}: dataset shapes v1: ", result.Output, StringComparison.Ordinal);
        Assert.Contains($"missing {Path.GetFileName(blobs[1])}: dataset shapes v1: ", result.Output, StringComparison.Ordinal);
        Assert.Contains("2 blobs are missing or damaged", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GcDeletesAnOldOrphanAndKeepsEverythingARowNames()
    {
        using var cli = new CliRunner();
        var source = cli.Scratch("shapes");
        SyntheticImages.WriteDataset(source, ["circles", "squares"], perClass: 3, distinct: true);
        await cli.RunJsonAsync("dataset", "import", "shapes", source);
        var before = BlobCount(cli);

        // What a killed upload leaves: a blob no row names, written long ago.
        var orphan = new BlobStore(new DataDirectory(cli.DataPath)).Put("orphan of a killed upload"u8);
        var orphanPath = Directory.EnumerateFiles(Path.Combine(cli.DataPath, "blobs"), orphan, SearchOption.AllDirectories).Single();
        File.SetLastWriteTimeUtc(orphanPath, DateTime.UtcNow.AddHours(-2));

        var dry = await cli.RunJsonAsync("admin", "gc", "--dry-run");
        Assert.Equal((before + 1, 1, true), (dry.GetProperty("blobs_seen").GetInt32(), dry.GetProperty("blobs_deleted").GetInt32(), dry.GetProperty("dry_run").GetBoolean()));
        Assert.True(File.Exists(orphanPath));

        var collected = await cli.RunAsync("admin", "gc");
        Assert.Equal(0, collected.ExitCode);
        Assert.Contains("Deleted 1 unreferenced blobs of " + (before + 1), collected.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(orphanPath));
        Assert.Equal(before, BlobCount(cli));
        Assert.True((await cli.RunJsonAsync("admin", "check")).GetProperty("ok").GetBoolean());
    }

    private static int BlobCount(CliRunner cli) =>
        Directory.EnumerateFiles(Path.Combine(cli.DataPath, "blobs"), "*", SearchOption.AllDirectories).Count();

    private static string Label(JsonElement prediction) =>
        prediction.GetProperty("predictions")[0].GetProperty("label").GetString()!;

    private static async Task<List<string>> ImageShasAsync(string data)
    {
        await using var db = new VisionFactoryDb(DatabaseSetup.SqliteOptions(new DataDirectory(data)));
        var shas = await db.Images.Select(i => i.Sha256).Distinct().ToListAsync();
        Assert.Equal(24, shas.Count);
        return shas;
    }
}
