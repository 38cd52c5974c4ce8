using System.Runtime.CompilerServices;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sources;

/// <summary>Settings of <c>http_snapshot</c>.</summary>
public sealed class HttpSnapshotSettings
{
    public string Url { get; set; } = "";

    public int IntervalMs { get; set; } = 1000;

    public double TimeoutSeconds { get; set; } = 10;

    public long MaxFrameBytes { get; set; } = 8 * 1024 * 1024;
}

/// <summary>A camera that serves one still image per request: polled at a fixed interval.</summary>
public sealed class HttpSnapshotSource(HttpSnapshotSettings settings, TimeProvider clock, IReadOnlyList<string>? allowedNetworks = null) : IFrameSource
{
    private readonly HttpClient http = new(allowedNetworks is null ? new SocketsHttpHandler() : OutboundGuard.CreateHandler([.. allowedNetworks]))
    {
        Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
    };

    public bool IsLive => true;

    public async IAsyncEnumerable<byte[]> ConnectAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = clock.GetTimestamp();
            using (var response = await CameraRequest.GetAsync(http, new Uri(settings.Url), cancellationToken).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"the camera answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                yield return await StreamLimits.ReadAsync(body, settings.MaxFrameBytes, cancellationToken).ConfigureAwait(false);
            }

            var wait = TimeSpan.FromMilliseconds(settings.IntervalMs) - clock.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}
