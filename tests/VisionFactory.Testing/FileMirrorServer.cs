using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace VisionFactory.Testing;

/// <summary>
/// A mirror of published files on a loopback address, as a web server serves them: by name, with <c>Content-Length</c>,
/// and from an offset when asked with <c>Range: bytes=N-</c> (206 with <c>Content-Range</c>). It can cut the first
/// download of a file off after some bytes (the connection drops), send without a length (chunked), or redirect.
/// </summary>
public sealed class FileMirrorServer : IDisposable
{
    private readonly ConcurrentDictionary<string, byte[]> files = new(StringComparer.Ordinal);
    private readonly LocalWebServer server;
    private int cutOffs;

    public FileMirrorServer(string address = "127.0.0.1")
    {
        server = new LocalWebServer(address, HandleAsync);
    }

    public Uri BaseUri => server.BaseUri;

    /// <summary>Cut the first full download off after this many bytes (null: never).</summary>
    public long? CutOffAfter { get; set; }

    /// <summary>Send bodies without announcing their length (chunked transfer).</summary>
    public bool WithoutLength { get; set; }

    /// <summary>A pause after each 64 KiB piece, as a slow link delivers a file (none by default).</summary>
    public TimeSpan PieceDelay { get; set; }

    /// <summary>Answer every request with a redirect to this base address (same file name).</summary>
    public Uri? RedirectTo { get; set; }

    /// <summary>The requests seen: path and the Range header (null when none).</summary>
    public ConcurrentQueue<(string Path, string? Range)> Requests { get; } = new();

    public void Add(string name, byte[] content) => files[name] = content;

    public void Dispose() => server.Dispose();

    private async Task HandleAsync(HttpListenerContext context)
    {
        var name = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
        var range = context.Request.Headers["Range"];
        Requests.Enqueue((name, range));
        var response = context.Response;
        if (RedirectTo is { } target)
        {
            response.StatusCode = 302;
            response.RedirectLocation = new Uri(target, name).ToString();
            return;
        }

        if (!files.TryGetValue(name, out var content))
        {
            response.StatusCode = 404;
            return;
        }

        long from = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (from >= content.Length)
            {
                response.StatusCode = 416;
                response.AddHeader("Content-Range", $"bytes */{content.Length}");
                return;
            }

            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {from}-{content.Length - 1}/{content.Length}");
        }

        response.ContentType = "application/octet-stream";
        if (WithoutLength)
        {
            response.SendChunked = true;
        }
        else
        {
            response.ContentLength64 = content.Length - from;
        }

        if (from == 0 && CutOffAfter is { } cut && Interlocked.Increment(ref cutOffs) == 1)
        {
            await response.OutputStream.WriteAsync(content.AsMemory(0, (int)cut));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        // Written in pieces, as a network delivers it.
        for (var at = (int)from; at < content.Length; at += 1 << 16)
        {
            await response.OutputStream.WriteAsync(content.AsMemory(at, Math.Min(1 << 16, content.Length - at)));
            if (PieceDelay > TimeSpan.Zero)
            {
                await response.OutputStream.FlushAsync();
                await Task.Delay(PieceDelay);
            }
        }
    }
}
