using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sources;

/// <summary>Settings of <c>mjpeg_camera</c>.</summary>
public sealed class MjpegCameraSettings
{
    public string Url { get; set; } = "";

    public double ConnectTimeoutSeconds { get; set; } = 10;

    public long MaxFrameBytes { get; set; } = 8 * 1024 * 1024;
}

/// <summary>
/// A camera that serves Motion JPEG over HTTP (<c>multipart/x-mixed-replace</c>): every part of the endless multipart
/// response is one JPEG frame. The parts are read with ASP.NET Core's <see cref="MultipartReader"/>. With
/// <c>allowedNetworks</c> (the web host) the connection goes through <see cref="OutboundGuard"/>: internal addresses
/// outside those networks are refused when it is made.
/// </summary>
public sealed class MjpegCameraSource : IFrameSource
{
    private readonly MjpegCameraSettings settings;
    private readonly HttpClient http;

    public MjpegCameraSource(MjpegCameraSettings settings, IReadOnlyList<string>? allowedNetworks = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.settings = settings;
        var connectTimeout = TimeSpan.FromSeconds(settings.ConnectTimeoutSeconds);
        http = new HttpClient(allowedNetworks is null ? new SocketsHttpHandler { ConnectTimeout = connectTimeout } : OutboundGuard.CreateHandler([.. allowedNetworks], connectTimeout))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public bool IsLive => true;

    public async IAsyncEnumerable<byte[]> ConnectAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await CameraRequest.GetAsync(http, new Uri(settings.Url), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the camera answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var boundary = BoundaryOf(response.Content.Headers.ContentType);
        using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var reader = new MultipartReader(boundary, body)
        {
            BodyLengthLimit = settings.MaxFrameBytes,
            HeadersLengthLimit = 16 * 1024,
        };

        while (await NextFrameAsync(reader, cancellationToken).ConfigureAwait(false) is { } frame)
        {
            yield return frame;
        }
    }

    private async Task<byte[]?> NextFrameAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section
                ? await StreamLimits.ReadAsync(section.Body, settings.MaxFrameBytes, cancellationToken).ConfigureAwait(false)
                : null;
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            // The reader stops at the limit, so an oversized part is never buffered whole; the stream is reconnected.
            throw new InvalidDataException($"a frame is larger than the {settings.MaxFrameBytes / 1048576.0:0.##} MiB frame limit (max_frame_bytes)", e);
        }
    }

    private static string BoundaryOf(System.Net.Http.Headers.MediaTypeHeaderValue? contentType)
    {
        if (contentType?.MediaType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw new InvalidDataException($"not an MJPEG stream: the content type is '{contentType?.MediaType ?? "none"}', not multipart/x-mixed-replace");
        }

        var parameter = contentType.Parameters.FirstOrDefault(p => string.Equals(p.Name, "boundary", StringComparison.OrdinalIgnoreCase))?.Value;
        var boundary = HeaderUtilities.RemoveQuotes(parameter).ToString();
        if (string.IsNullOrEmpty(boundary))
        {
            throw new InvalidDataException("not an MJPEG stream: the multipart content type has no boundary");
        }

        // Some cameras put the "--" delimiter prefix into the boundary parameter itself.
        return boundary.StartsWith("--", StringComparison.Ordinal) ? boundary[2..] : boundary;
    }

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}
