using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace VisionFactory.Testing;

/// <summary>
/// A loopback HTTP server serving files by name (any folder before the name), with byte ranges as a download server
/// does (206 and Content-Range for <c>Range: bytes=N-</c>). <see cref="CutAfter"/> makes the next answers for a file end
/// the connection after that many bytes of its body, as a dropped download does. Every request's Range header is kept.
/// </summary>
public sealed class FileServer : IDisposable
{
    private readonly LocalWebServer server;

    public FileServer(IReadOnlyDictionary<string, byte[]> files, string address = "127.0.0.2")
    {
        Files = new ConcurrentDictionary<string, byte[]>(files, StringComparer.Ordinal);
        server = new LocalWebServer(address, ServeAsync);
    }

    public ConcurrentDictionary<string, byte[]> Files { get; }

    /// <summary>File name to the number of bytes after which the next answer for it is cut off (once).</summary>
    public ConcurrentDictionary<string, long> CutAfter { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request as (file name, its Range header or null).</summary>
    public ConcurrentQueue<(string Name, string? Range)> Requests { get; } = new();

    public Uri BaseUri => server.BaseUri;

    public Uri Url(string path) => server.Url(path);

    public void Dispose() => server.Dispose();

    private async Task ServeAsync(HttpListenerContext context)
    {
        var name = context.Request.Url!.AbsolutePath.Split('/').Last();
        var range = context.Request.Headers["Range"];
        Requests.Enqueue((name, range));
        if (!Files.TryGetValue(name, out var bytes))
        {
            context.Response.StatusCode = 404;
            return;
        }

        long start = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (start >= bytes.Length)
            {
                context.Response.StatusCode = 416;
                return;
            }

            context.Response.StatusCode = 206;
            context.Response.AddHeader("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{bytes.Length - 1}/{bytes.Length}"));
        }

        context.Response.ContentLength64 = bytes.Length - start;
        if (CutAfter.TryRemove(name, out var cut))
        {
            // Part of the body, then the connection is dropped (the announced length is never reached).
            await context.Response.OutputStream.WriteAsync(bytes.AsMemory((int)start, (int)Math.Min(cut, bytes.Length - start)));
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort();
            return;
        }

        await context.Response.OutputStream.WriteAsync(bytes.AsMemory((int)start));
    }
}
