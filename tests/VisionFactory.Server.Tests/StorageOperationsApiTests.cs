using System.Net;
using System.Net.Http.Headers;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>A full disk, reclaiming space and the staging a killed process leaves, through the real host.</summary>
public sealed class StorageOperationsApiTests
{
    [Fact]
    public async Task UploadOnAFullDiskAnswers507AndLeavesNothingStagedAndGoesThroughOnceSpaceIsFreed()
    {
        using var disk = new SmallDisk(megabytes: 48);
        await using var factory = new ServerFactory { DataRoot = disk.Combine("data") };
        using var client = factory.CreateClient();
        var filler = disk.FillUp();

        var response = await client.PostAsync("/api/datasets/full/images", Form(("red", 6), ("blue", 6)));

        var problem = await Json.ProblemAsync(response, 507);
        Assert.Contains("not enough space", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(factory.DataRoot, "tmp")));
        Assert.Empty(Directory.Exists(Path.Combine(factory.DataRoot, "blobs"))
            ? Directory.EnumerateFiles(Path.Combine(factory.DataRoot, "blobs"), "*", SearchOption.AllDirectories) : []);

        File.Delete(filler);
        var retried = await client.PostAsync("/api/datasets/full/images", Form(("red", 6), ("blue", 6)));
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
    }

    [Fact]
    public async Task DeletingADatasetThenCollectingFreesItsBlobsOnlyForAdministrators()
    {
        await using var factory = new ServerFactory();
        using var admin = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/datasets/kept/images", Form(("red", 3), ("blue", 3)))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/datasets/dropped/images", Form(("green", 4), ("yellow", 4)))).StatusCode);
        var blobs = Path.Combine(factory.DataRoot, "blobs");
        var before = Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Count();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/datasets/dropped")).StatusCode);

        using var editor = await factory.CreateClientWithRoleAsync("editor");
        Assert.Equal(HttpStatusCode.Forbidden, (await editor.PostAsync("/api/admin/gc?grace_minutes=0", null)).StatusCode);

        var young = await Json.ReadAsync(await admin.PostAsync("/api/admin/gc", null));
        Assert.Equal((0, 8), ((int)young["blobs_deleted"]!, (int)young["blobs_kept_young"]!));
        var collected = await Json.ReadAsync(await admin.PostAsync("/api/admin/gc?grace_minutes=0", null));

        Assert.Equal(8, (int)collected["blobs_deleted"]!);
        Assert.Equal(before - 8, Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Count());
        var check = await Json.ReadAsync(await admin.GetAsync("/api/admin/check"));
        Assert.Equal((6, true), ((int)check["blobs_checked"]!, (bool)check["ok"]!));
    }

    [Fact]
    public async Task StartUpRemovesTheStagingAKilledProcessLeftAndSchedulesTheCollection()
    {
        var root = Path.Combine(Path.GetTempPath(), "vf-server-tests", Guid.NewGuid().ToString("N")[..12]);
        var staged = Path.Combine(root, "tmp", "upload-0123456789ab");
        Directory.CreateDirectory(staged);
        await File.WriteAllBytesAsync(Path.Combine(staged, "part.zip"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(root, "tmp", "0a1b.1234abcd.tmp"), new byte[100]);
        await using var factory = new ServerFactory { DataRoot = root };

        using var client = factory.CreateClient();

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
        using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = Assert.Single(connection.GetRecurringJobs(), j => j.Id == "blob-gc");
        Assert.Equal("15 3 * * *", job.Cron);
    }

    // One uploaded .zip in the ImageFolder layout: a folder per class, PNGs of that class's colour.
    private static MultipartFormDataContent Form(params (string Class, int Count)[] classes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (className, count) in classes)
            {
                var colour = className switch
                {
                    "red" => SKColors.Red,
                    "blue" => SKColors.Blue,
                    "green" => SKColors.Green,
                    _ => SKColors.Yellow,
                };
                for (var i = 0; i < count; i++)
                {
                    using var entry = zip.CreateEntry($"{className}/{i:D3}.png").Open();
                    entry.Write(TinyImageFolder.Image(colour, i));
                }
            }
        }

        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(buffer.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "files", "upload.zip");
        return form;
    }
}
