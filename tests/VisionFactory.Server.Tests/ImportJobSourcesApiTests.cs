using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// Import jobs from a remote server (a real vsftpd and sshd), from uploaded dataset files (CSV manifest in a zip,
/// MNIST idx files) through the same upload path as images, and from the FTP inbox fed through a real vsftpd.
/// </summary>
public sealed class ImportJobSourcesApiTests : IClassFixture<ServerFactory>
{
    private readonly ServerFactory factory;

    public ImportJobSourcesApiTests(ServerFactory factory)
    {
        this.factory = factory;

        // The test servers listen on loopback, which the server refuses to pull from unless an administrator allows it.
        factory.Settings["Collect:Remote:AllowedRanges:0"] = "127.0.0.1/32";
    }

    [Fact]
    public async Task ARemoteFtpFolderImportsAsAJobAndThePasswordIsNotKept()
    {
        using var temp = new TempDirectory("vf-remote-api");
        SyntheticImages.WriteDataset(temp.Combine("photos"), ["red", "blue"], 3);
        using var ftp = new VsftpdServer(temp.Path);
        using var client = factory.CreateClient();

        var started = await client.PostAsync("/api/datasets/remote-ftp/import-jobs", Json.Body(new { remote = $"ftp://anonymous:topsecret@127.0.0.1:{ftp.Port}/photos" }));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var done = await WaitAsync(client, (string)(await Json.ReadAsync(started))["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(6, (int)done["imported"]!);
        Assert.Equal($"ftp://anonymous@127.0.0.1:{ftp.Port}/photos", (string?)done["source"]);
        var listed = await (await client.GetAsync("/api/import-jobs?dataset=remote-ftp")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("topsecret", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteProblemsComeBackAtOnceAsProblemDetails()
    {
        using var temp = new TempDirectory("vf-remote-api");
        SyntheticImages.WriteDataset(temp.Combine("photos"), ["red", "blue"], 2);
        using var ftp = new VsftpdServer(temp.Path);
        using var sshd = new SshdServer();
        using var client = factory.CreateClient();
        var key = await File.ReadAllTextAsync(sshd.ClientKeyPath);

        var unknownKey = await client.PostAsync("/api/datasets/remote-x/import-jobs", Json.Body(new { remote = sshd.Url(temp.Combine("photos")), private_key = key }));
        var missing = await client.PostAsync("/api/datasets/remote-x/import-jobs", Json.Body(new { remote = ftp.Url("/nope") }));
        var noUser = await client.PostAsync("/api/datasets/remote-x/import-jobs", Json.Body(new { remote = "sftp://127.0.0.1/photos" }));
        var internalHost = await client.PostAsync("/api/datasets/remote-x/import-jobs", Json.Body(new { remote = "ftp://[::ffff:10.1.2.3]:21/photos" }));
        var metadata = await client.PostAsync("/api/datasets/remote-x/import-jobs", Json.Body(new { remote = "sftp://root@169.254.169.254/", password = "x" }));
        var pinned = await client.PostAsync("/api/datasets/remote-sftp/import-jobs",
            Json.Body(new { remote = sshd.Url(temp.Combine("photos")), private_key = key, host_key = sshd.HostKeyFingerprint }));

        Assert.Contains(sshd.HostKeyFingerprint, (string?)(await Json.ProblemAsync(unknownKey, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("'/nope' does not exist", (string?)(await Json.ProblemAsync(missing, 404))["detail"], StringComparison.Ordinal);
        Assert.Contains("say which user", (string?)(await Json.ProblemAsync(noUser, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("is an internal address (10.1.2.3)", (string?)(await Json.ProblemAsync(internalHost, 400))["detail"], StringComparison.Ordinal);
        Assert.Contains("Collect:Remote:AllowedRanges", (string?)(await Json.ProblemAsync(metadata, 400))["detail"], StringComparison.Ordinal);
        var done = await WaitAsync(client, (string)(await Json.ReadAsync(pinned))["id"]!);
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(4, (int)done["imported"]!);
    }

    [Fact]
    public async Task DatasetFilesUploadThroughTheImageUploadPathAndImportInTheirFormat()
    {
        using var client = factory.CreateClient();
        var mnist = await UploadAsync(client, "uploaded-mnist", "mnist", ("train-images-idx3-ubyte", MnistImages(6)), ("train-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 6, 1, 7, 1, 7, 1, 7]));
        var csv = await UploadAsync(client, "uploaded-csv", "csv", ("labelled.zip", CsvZip()));
        var mixed = await client.PostAsync("/api/datasets/uploaded-mixed/import-jobs", Form("cifar10", ("labelled.zip", CsvZip())));

        var mnistDone = await WaitAsync(client, (string)mnist["id"]!);
        var csvDone = await WaitAsync(client, (string)csv["id"]!);
        Assert.Equal("succeeded", (string?)mnistDone["state"]);
        Assert.Equal(6, (int)mnistDone["imported"]!);
        Assert.Equal("upload: train-images-idx3-ubyte, train-labels-idx1-ubyte", (string?)mnistDone["source"]);
        Assert.Equal("succeeded", (string?)csvDone["state"]);
        Assert.Equal(4, (int)csvDone["imported"]!);
        Assert.Contains("CIFAR-10 batch files", (string?)(await Json.ProblemAsync(mixed, 400))["detail"], StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(factory.DataRoot, "tmp"), "upload-*"));
    }

    [Fact]
    public async Task FilesUploadedToTheInboxThroughVsftpdAreImported()
    {
        using var ftpRoot = new TempDirectory("vf-inbox");
        var inbox = ftpRoot.Combine("inbox");
        await using var host = new ServerFactory();
        host.Settings["Collect:Inbox:Path"] = inbox;
        host.Settings["Collect:Inbox:StableFor"] = "00:00:03";
        host.Settings["Collect:Inbox:ScanEvery"] = "00:00:00.200";
        using var ftp = new VsftpdServer(ftpRoot.Path, writable: inbox);
        using var client = host.CreateClient();
        using var images = new TempDirectory("vf-inbox-src");
        var arguments = new List<string> { "--silent", "--show-error", "--ftp-create-dirs" };
        for (var i = 0; i < 3; i++)
        {
            foreach (var (name, index) in new[] { ("red", 0), ("blue", 1) })
            {
                var file = images.Combine($"{name}{i}.png");
                await File.WriteAllBytesAsync(file, SyntheticImages.Encode(index, i));
                arguments.AddRange(["-T", file, ftp.Url($"/inbox/ftp-inbox/{name}/{name}{i}.png")]);
            }
        }

        Upload(arguments);

        // Each file is taken once it has been still for 3 s; files that arrived more than a scan apart (a loaded
        // machine's curl) come in separate batches, each its own job and version. Together they hold all six.
        var finished = await Eventually.ValueAsync(
            async () => (await Json.ReadAsync(await client.GetAsync("/api/import-jobs?dataset=ftp-inbox"))).AsArray().OfType<JsonNode>().Where(j => (bool)j["finished"]!).ToList(),
            jobs => jobs.Sum(j => (int?)j["imported"] ?? 0) >= 6,
            TimeSpan.FromSeconds(30),
            "finished inbox jobs that import all six files",
            jobs => string.Join("; ", jobs.Select(j => j.ToJsonString())));

        Assert.NotEmpty(finished);
        Assert.All(finished, job =>
        {
            Assert.True((string?)job["state"] == "succeeded", $"the inbox job {job["state"]}: {job["error"]}");
            Assert.StartsWith("inbox:", (string?)job["source"], StringComparison.Ordinal);
        });
        Assert.Equal(6, finished.Sum(j => (int)j["imported"]!));
    }

    private static void Upload(List<string> arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardError = true, UseShellExecute = false };
        arguments.ForEach(start.ArgumentList.Add);
        using var curl = Process.Start(start)!;
        var error = curl.StandardError.ReadToEnd();
        curl.WaitForExit();
        Assert.True(curl.ExitCode == 0, $"curl could not upload: {error}");
    }

    private static async Task<JsonNode> UploadAsync(HttpClient client, string dataset, string format, params (string Name, byte[] Bytes)[] files)
    {
        var started = await client.PostAsync($"/api/datasets/{dataset}/import-jobs", Form(format, files));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return await Json.ReadAsync(started);
    }

    private static MultipartFormDataContent Form(string format, params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(format), "format" } };
        foreach (var (name, bytes) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "files", name);
        }

        return form;
    }

    private static byte[] MnistImages(int count)
    {
        var pixels = new byte[16 + (count * 28 * 28)];
        BinaryPrimitives.WriteInt32BigEndian(pixels, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(pixels.AsSpan(12), 28);
        for (var i = 0; i < count; i++)
        {
            pixels.AsSpan(16 + (i * 784), 784).Fill((byte)(40 * (i + 1)));
        }

        return pixels;
    }

    // A zip holding labels.csv and the four images it names under images/.
    private static byte[] CsvZip()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var lines = new List<string> { "path,label" };
            for (var i = 0; i < 4; i++)
            {
                using (var entry = zip.CreateEntry($"images/{i}.png").Open())
                {
                    entry.Write(SyntheticImages.Encode(i % 2, i));
                }

                lines.Add($"images/{i}.png,{(i % 2 == 0 ? "cat" : "dog")}");
            }

            using var writer = new StreamWriter(zip.CreateEntry("labels.csv").Open());
            writer.Write(string.Join('\n', lines));
        }

        return memory.ToArray();
    }

    private static Task<JsonNode> WaitAsync(HttpClient client, string id) => Eventually.ValueAsync(
        async () => await Json.ReadAsync(await client.GetAsync($"/api/import-jobs/{id}")),
        status => (bool)status["finished"]!,
        TimeSpan.FromSeconds(30),
        $"import job {id} to finish");
}
