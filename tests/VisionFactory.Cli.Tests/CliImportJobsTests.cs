using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>
/// <c>vf dataset import</c> records every import as a job that <c>vf import-jobs list|show|cancel</c> reads and stops;
/// remote servers (a real vsftpd and sshd) and an image search (a local fake of the search API) go the same way.
/// </summary>
public sealed class CliImportJobsTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task ImportsAreRecordedAsJobsThatAreListedShownAndNotCancelledOnceEnded()
    {
        var source = cli.Scratch("colours");
        SyntheticImages.WriteDataset(source, ["red", "blue"], 3);
        await cli.RunJsonAsync("dataset", "import", "colours", source);
        var missing = await cli.RunAsync("dataset", "import", "colours", Path.Combine(source, "nope"));

        var list = await cli.RunJsonAsync("import-jobs", "list");
        var jobs = list.GetProperty("jobs").EnumerateArray().ToList();
        var shown = await cli.RunJsonAsync("import-jobs", "show", jobs[1].GetProperty("id").GetString()![..8]);
        var cancel = await cli.RunAsync("import-jobs", "cancel", jobs[1].GetProperty("id").GetString()!);
        var table = await cli.RunAsync("import-jobs", "list", "--dataset", "colours");

        Assert.Equal(3, missing.ExitCode);
        Assert.Equal(2, jobs.Count);
        Assert.Equal("failed", jobs[0].GetProperty("state").GetString());
        Assert.Contains("does not exist", jobs[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("succeeded", shown.GetProperty("state").GetString());
        Assert.Equal(6, shown.GetProperty("imported").GetInt32());
        Assert.Equal(1, shown.GetProperty("version").GetInt32());
        Assert.StartsWith("cli:", shown.GetProperty("started_by").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, cancel.ExitCode);
        Assert.Contains("has already ended (succeeded)", cancel.Error, StringComparison.Ordinal);
        Assert.Contains("succeeded", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACancelFromAnotherCommandStopsARunningImportAndLeavesNothing()
    {
        var served = 0;
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            if (Interlocked.Increment(ref served) > 3)
            {
                await Task.Delay(TimeSpan.FromSeconds(20));
            }

            var name = context.Request.Url!.AbsolutePath;
            await context.Response.OutputStream.WriteAsync(SyntheticImages.Encode(name.Contains("red", StringComparison.Ordinal) ? 0 : 1, name[^5] - '0'));
        });
        var list = Path.Combine(cli.Scratch("urls"), "urls.txt");
        await File.WriteAllLinesAsync(list, Enumerable.Range(0, 6).SelectMany(i => new[] { $"red,{site.Url($"red{i}.png")}", $"blue,{site.Url($"blue{i}.png")}" }));

        var import = cli.RunAsync("dataset", "import", "slow", list, "--format", "urls", "--allow-range", "127.0.0.2/32");
        var id = await WaitForRunningAsync();
        var cancel = await cli.RunJsonAsync("import-jobs", "cancel", id);
        var result = await import;
        var after = await cli.RunJsonAsync("import-jobs", "show", id);

        Assert.True(cancel.GetProperty("cancel_requested").GetBoolean());
        Assert.Equal(130, result.ExitCode);
        Assert.Contains("cancelled by cli:", result.Error, StringComparison.Ordinal);
        Assert.Equal("cancelled", after.GetProperty("state").GetString());
        Assert.Empty((await cli.RunJsonAsync("dataset", "list")).GetProperty("datasets").EnumerateArray());
        var blobs = Path.Combine(cli.DataPath, "blobs");
        Assert.Empty(Directory.Exists(blobs) ? Directory.GetFiles(blobs, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task CtrlCStopsAnImportAsACancelledJobThatLeftNothing()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            var name = context.Request.Url!.AbsolutePath;
            if (!name.EndsWith("0.png", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(20));
            }

            await context.Response.OutputStream.WriteAsync(SyntheticImages.Encode(name.Contains("red", StringComparison.Ordinal) ? 0 : 1, name[^5] - '0'));
        });
        var list = Path.Combine(cli.Scratch("urls"), "urls.txt");
        await File.WriteAllLinesAsync(list, Enumerable.Range(0, 4).SelectMany(i => new[] { $"red,{site.Url($"red{i}.png")}", $"blue,{site.Url($"blue{i}.png")}" }));
        using var ctrlC = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var import = VfApp.RunAsync(["dataset", "import", "interrupted", list, "--format", "urls", "--allow-range", "127.0.0.2/32", "--data", cli.DataPath],
            output, error, interactive: false, ctrlC.Token);
        await WaitForRunningAsync();
        await ctrlC.CancelAsync();
        var code = await import;
        var job = (await cli.RunJsonAsync("import-jobs", "list")).GetProperty("jobs")[0];

        Assert.Equal(130, code);
        Assert.Contains("cancelled; nothing was stored", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("cancelled", job.GetProperty("state").GetString());
        Assert.Empty((await cli.RunJsonAsync("dataset", "list")).GetProperty("datasets").EnumerateArray());
    }

    [Fact]
    public async Task AnImageSearchImportsWhatItFindsAsOneClass()
    {
        var source = cli.Scratch("pets");
        SyntheticImages.WriteDataset(source, ["red", "blue"], 3);
        await cli.RunJsonAsync("dataset", "import", "pets", source);
        using var images = new LocalWebServer("127.0.0.2", async context =>
            await context.Response.OutputStream.WriteAsync(SyntheticImages.Encode(2, context.Request.Url!.AbsolutePath[^5] - '0')));
        using var search = new LocalWebServer("127.0.0.2", async context =>
        {
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            var value = Enumerable.Range(0, 4).Select(i => new { contentUrl = images.Url($"green{i}.png").ToString() });
            context.Response.StatusCode = context.Request.Headers["Ocp-Apim-Subscription-Key"] == "test-key" && query["q"] == "green things" ? 200 : 401;
            await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new { value, nextOffset = 4 }));
        });

        var noKey = await cli.RunAsync("dataset", "import", "pets", "--search", "green things");
        JsonElement found;
        Environment.SetEnvironmentVariable("Collect__Search__Key", "test-key");
        Environment.SetEnvironmentVariable("Collect__Search__Provider", "bing");
        Environment.SetEnvironmentVariable("Collect__Search__Endpoint", search.BaseUri.ToString());
        try
        {
            found = await cli.RunJsonAsync("dataset", "import", "pets", "--search", "green things", "--class", "green", "--count", "4", "--allow-range", "127.0.0.2/32");
        }
        finally
        {
            Environment.SetEnvironmentVariable("Collect__Search__Key", null);
            Environment.SetEnvironmentVariable("Collect__Search__Provider", null);
            Environment.SetEnvironmentVariable("Collect__Search__Endpoint", null);
        }

        var jobs = (await cli.RunJsonAsync("import-jobs", "list", "--dataset", "pets")).GetProperty("jobs");

        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("Collect__Search__Key", noKey.Error, StringComparison.Ordinal);
        Assert.Equal(2, found.GetProperty("version").GetInt32());
        var green = found.GetProperty("classes").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "green");
        Assert.Equal(4, green.GetProperty("images").GetInt32());
        Assert.Equal("image search: green things", jobs[0].GetProperty("source").GetString());
    }

    [Theory]
    [InlineData("serpapi")]
    [InlineData("brave")]
    public async Task AnImageSearchThroughAProviderInServiceImportsWhatItFinds(string provider)
    {
        var source = cli.Scratch("pets-" + provider);
        SyntheticImages.WriteDataset(source, ["red", "blue"], 3);
        await cli.RunJsonAsync("dataset", "import", "pets", source);
        using var images = new LocalWebServer("127.0.0.2", async context =>
            await context.Response.OutputStream.WriteAsync(SyntheticImages.Encode(2, context.Request.Url!.AbsolutePath[^5] - '0')));
        using var search = new LocalWebServer("127.0.0.2", async context =>
        {
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            var addresses = Enumerable.Range(0, 4).Select(i => images.Url($"green{i}.png").ToString()).ToList();
            object answer = provider == "serpapi"
                ? new { images_results = addresses.Select(a => new { original = a }) }
                : new { type = "images", results = addresses.Select(a => new { properties = new { url = a } }) };
            var authorised = provider == "serpapi"
                ? context.Request.Url.AbsolutePath == "/search.json" && query["engine"] == "google_images" && query["api_key"] == "test-key" && query["ijn"] == "0"
                : context.Request.Url.AbsolutePath == "/res/v1/images/search" && context.Request.Headers["X-Subscription-Token"] == "test-key";
            context.Response.StatusCode = authorised && query["q"] == "green things" ? 200 : 401;
            await context.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(answer));
        });

        JsonElement found;
        Environment.SetEnvironmentVariable("Collect__Search__Key", "test-key");
        Environment.SetEnvironmentVariable("Collect__Search__Provider", provider);
        Environment.SetEnvironmentVariable("Collect__Search__Endpoint", search.BaseUri.ToString());
        try
        {
            found = await cli.RunJsonAsync("dataset", "import", "pets", "--search", "green things", "--class", "green", "--count", "4", "--allow-range", "127.0.0.2/32");
        }
        finally
        {
            Environment.SetEnvironmentVariable("Collect__Search__Key", null);
            Environment.SetEnvironmentVariable("Collect__Search__Provider", null);
            Environment.SetEnvironmentVariable("Collect__Search__Endpoint", null);
        }

        var green = found.GetProperty("classes").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "green");
        Assert.Equal(4, green.GetProperty("images").GetInt32());
        Assert.Equal(2, found.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task RemoteFoldersArePulledOverSftpWithAPinnedHostKeyAndOverFtpWithoutStoringThePassword()
    {
        var root = cli.Scratch("remote");
        SyntheticImages.WriteDataset(Path.Combine(root, "photos"), ["red", "blue"], 3);
        using var sshd = new SshdServer();
        using var ftp = new VsftpdServer(root);
        var sftpUrl = sshd.Url(Path.Combine(root, "photos"));

        var unknown = await cli.RunAsync("dataset", "import", "sftp-pets", sftpUrl, "--identity", sshd.ClientKeyPath);
        var pulled = await cli.RunJsonAsync("dataset", "import", "sftp-pets", sftpUrl, "--identity", sshd.ClientKeyPath, "--host-key", sshd.HostKeyFingerprint);
        var overFtp = await cli.RunJsonAsync("dataset", "import", "ftp-pets", $"ftp://anonymous:topsecret@127.0.0.1:{ftp.Port}/photos");
        var missing = await cli.RunAsync("dataset", "import", "ftp-pets", ftp.Url("/elsewhere"));
        var jobs = await cli.RunAsync("import-jobs", "list", "--json");

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains(sshd.HostKeyFingerprint, unknown.Error, StringComparison.Ordinal);
        Assert.Contains("--accept-any-host-key", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(6, pulled.GetProperty("images").GetInt32());
        Assert.Equal(6, overFtp.GetProperty("images").GetInt32());
        Assert.Equal(3, missing.ExitCode);
        Assert.DoesNotContain("topsecret", jobs.Output, StringComparison.Ordinal);
        Assert.Contains($"ftp://anonymous@127.0.0.1:{ftp.Port}/photos", jobs.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(cli.DataPath, "tmp"), "remote-*"));
    }

    private async Task<string> WaitForRunningAsync()
    {
        var jobs = await Eventually.ValueAsync(
            async () => (await cli.RunJsonAsync("import-jobs", "list")).GetProperty("jobs").EnumerateArray().ToList(),
            list => list.Count == 1 && list[0].GetProperty("state").GetString() == "running" && list[0].GetProperty("done").GetInt32() >= 2,
            TimeSpan.FromSeconds(30),
            "the import to be running with two images done",
            list => string.Join("; ", list));
        return jobs[0].GetProperty("id").GetString()!;
    }

}
