using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using VisionFactory.Factory;
using VisionFactory.Pipelines;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Storage;
using VisionFactory.Testing;

namespace VisionFactory.Bench;

/// <summary>
/// A real <c>vf serve</c> process (role all) under prediction load, loaded from this process over loopback.
/// <c>overload</c>: POST /api/predict's idle p95 (one client) beside the p95 of the requests admitted when many clients
/// call at once, and how many were refused (429); the target is an admitted p95 at most 3x the idle one.
/// <c>soak</c>: a running pipeline (MJPEG camera on loopback -> classify -> results store) plus prediction load for N
/// minutes, printing the server's RSS, open handles and threads every minute: they should stay flat after warm-up.
/// </summary>
internal static class OverloadSoakBench
{
    // The soak's camera listens on loopback, which cameras may reach only when allowed; the load comes from one
    // address with one API key, which the per-address key limit would otherwise refuse before admission is measured.
    private static readonly Dictionary<string, string> ServerSettings = new(StringComparer.Ordinal)
    {
        ["Pipelines__CameraAllowedNetworks__0"] = "127.0.0.0/8",
        ["Security__ApiKeyRequestsPerMinute"] = "10000000",
    };

    public static async Task OverloadAsync(string masks, int clients, int seconds)
    {
        using var temp = new TempDirectory("vf-bench-overload");
        var (data, modelId) = await PrepareAsync(masks, temp);
        var image = await FaceAsync(masks);
        using var server = await VfProcess.StartAsync("server", data.Root, null, "all", ServerSettings);
        var path = $"/api/predict?model={modelId}";
        Console.WriteLine();
        Console.WriteLine($"## Overload: POST /api/predict on a 'vf serve' process (mobilenet_v3_small, 224 px), {Environment.ProcessorCount} cores, default queue settings");
        await LoadAsync(server.Client, path, image, 1, TimeSpan.FromSeconds(3), null);
        var idle = await LoadAsync(server.Client, path, image, 1, TimeSpan.FromSeconds(seconds), "idle, 1 client");
        var flood = await LoadAsync(server.Client, path, image, clients, TimeSpan.FromSeconds(seconds), $"overload, {clients} clients retrying at once");
        var polite = await LoadAsync(server.Client, path, image, clients, TimeSpan.FromSeconds(seconds), $"overload, {clients} clients honouring Retry-After", honourRetryAfter: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  admitted p95 / idle p95 = {flood.P95 / idle.P95:0.0} retrying at once, {polite.P95 / idle.P95:0.0} honouring Retry-After (target <= 3.0)"));
    }

    public static async Task SoakAsync(string masks, double minutes, int clients)
    {
        using var temp = new TempDirectory("vf-bench-soak");
        var (data, modelId) = await PrepareAsync(masks, temp);
        var image = await FaceAsync(masks);
        await using var camera = await MjpegTestServer.StartAsync(PipelineBench.Frames640x480(masks, 30), fps: 15);
        using var server = await VfProcess.StartAsync("server", data.Root, null, "all", ServerSettings);
        var saved = await server.Client.PostAsJsonAsync("/api/pipelines", new
        {
            name = "soak",
            steps = new object[]
            {
                new { component = "mjpeg_camera", settings = new { url = camera.StreamUrl.ToString() } },
                new { component = "classify", settings = new { model = modelId } },
                new { component = "results_store" },
            },
        });
        await Expect(saved, HttpStatusCode.Created);
        await Expect(await server.Client.PostAsync("/api/pipelines/soak/start", null), HttpStatusCode.OK, HttpStatusCode.Accepted, HttpStatusCode.NoContent);

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## Soak: 'vf serve' (role all) with a pipeline (MJPEG 640x480 at 15 fps -> classify -> results store) and {clients} prediction clients, {minutes:0.#} minutes"));
        Console.WriteLine("  minute  RSS MiB  GC MiB  C in use  C free  arenas  handles  threads  frames stored  predictions ok  429  errors");
        var first = await server.GetAsync("/api/admin/process");
        Console.WriteLine($"  (C heap: at most {first["native_arena_limit"]} arenas after the {first["native_arenas_before_limit"]} made before the limit was set)");
        var predictions = new int[3];
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var load = Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var content = Jpeg(image);
                try
                {
                    using var response = await server.Client.PostAsync(new Uri($"/api/predict?model={modelId}", UriKind.Relative), content, stop.Token);
                    Interlocked.Increment(ref predictions[response.StatusCode switch { HttpStatusCode.OK => 0, HttpStatusCode.TooManyRequests => 1, _ => 2 }]);
                    await Task.Delay(20, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // A request that failed or outlived the client's timeout is an error, and the client goes on: a
                    // client that silently stopped would make a stalled server look quiet.
                    Interlocked.Increment(ref predictions[2]);
                }
            }
        })));

        var clock = Stopwatch.StartNew();
        var minute = 0;
        await ReportAsync(server, minute, await StoredAsync(server), predictions);
        while (clock.Elapsed < TimeSpan.FromMinutes(minutes))
        {
            var next = TimeSpan.FromMinutes(++minute);
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait > TimeSpan.FromMinutes(minutes) - clock.Elapsed ? TimeSpan.FromMinutes(minutes) - clock.Elapsed : wait);
            }

            await ReportAsync(server, minute, await StoredAsync(server), predictions);
        }

        await load;
        await server.Client.PostAsync("/api/pipelines/soak/stop", null);

        // What the server logged as failures, so that errors in the table come with their cause.
        var failures = server.Log.Split('\n').Select((line, i) => (line, i)).Where(x => x.line.StartsWith("fail:", StringComparison.Ordinal)).ToList();
        Console.WriteLine($"  the server logged {failures.Count} failures{(failures.Count > 0 ? "; the first:" : "")}");
        foreach (var line in server.Log.Split('\n').Skip(failures.FirstOrDefault().i).Take(failures.Count > 0 ? 12 : 0))
        {
            Console.WriteLine("    " + line);
        }
    }

    private static async Task<(DataDirectory Data, string ModelId)> PrepareAsync(string masks, TempDirectory temp)
    {
        var data = new DataDirectory(temp.Combine("data"));
        await using var services = new ServiceCollection().AddVisionFactory(data).AddVisionFactoryPipelines(new PipelineOptions()).BuildServiceProvider();
        await services.MigrateDatabaseAsync(CancellationToken.None);
        return (data, await PipelineBench.TrainAsync(services, masks, temp));
    }

    private static async Task<byte[]> FaceAsync(string masks) =>
        await File.ReadAllBytesAsync(Directory.EnumerateFiles(Path.Combine(masks, "without_mask"), "*.jpg").Order(StringComparer.Ordinal).First());

    private static ByteArrayContent Jpeg(byte[] image)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return content;
    }

    private static async Task<(double P95, int Ok)> LoadAsync(
        HttpClient client, string path, byte[] image, int clients, TimeSpan duration, string? label, bool honourRetryAfter = false)
    {
        var results = new ConcurrentBag<(HttpStatusCode Status, double Ms)>();
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (total.Elapsed < duration)
            {
                using var content = Jpeg(image);
                var clock = Stopwatch.StartNew();
                using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
                results.Add((response.StatusCode, clock.Elapsed.TotalMilliseconds));
                if (honourRetryAfter && response.Headers.RetryAfter?.Delta is { } wait)
                {
                    await Task.Delay(wait);
                }
            }
        })));
        var ok = results.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Ms).Order().ToArray();
        var refused = results.Where(r => r.Status == HttpStatusCode.TooManyRequests).Select(r => r.Ms).Order().ToArray();
        var other = results.Count - ok.Length - refused.Length;
        static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        if (label is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {label}: {ok.Length / total.Elapsed.TotalSeconds:0.0} served/s, admitted p50 {P(ok, 0.5):0.0} ms, p95 {P(ok, 0.95):0.0} ms, p99 {P(ok, 0.99):0.0} ms; " +
                $"429: {refused.Length} (p95 {P(refused, 0.95):0.0} ms), other errors: {other}"));
        }

        return (P(ok, 0.95), ok.Length);
    }

    private static async Task<long> StoredAsync(VfProcess server)
    {
        var status = await server.GetAsync("/api/pipelines/soak/metrics");
        var steps = status["metrics"]?["steps"]?.AsArray();
        return steps is { Count: > 0 } ? (long?)steps[^1]?["frames_out"] ?? -1 : -1;
    }

    // What the server says it holds (GET /api/admin/process): resident memory split into the managed heap and the C
    // heap's blocks in use and kept free, with the C heap's arenas, so that growth can be told apart from reuse.
    private static async Task ReportAsync(VfProcess server, int minute, long stored, int[] predictions)
    {
        var process = await server.GetAsync("/api/admin/process");
        double MiB(JsonNode? bytes) => (bytes?.GetValue<long>() ?? -1) / 1048576.0;
        var heap = process["native_heap"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {minute,6}  {MiB(process["resident_bytes"]),7:0.0}  {MiB(process["managed_heap_bytes"]),7:0.0}  {MiB(heap?["in_use_bytes"]),8:0.0}  {MiB(heap?["free_bytes"]),7:0.0}  {heap?["arenas"]?.GetValue<int>() ?? -1,6}  {process["handles"]!.GetValue<int>(),7}  {process["threads"]!.GetValue<int>(),7}  {stored,13}  {Volatile.Read(ref predictions[0]),14}  {Volatile.Read(ref predictions[1]),3}  {Volatile.Read(ref predictions[2]),6}"));
    }

    private static async Task Expect(HttpResponseMessage response, params HttpStatusCode[] statuses)
    {
        if (!statuses.Contains(response.StatusCode))
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
