using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VisionFactory.Testing;

/// <summary>
/// A camera for tests: Kestrel on loopback serving the given JPEG files as a Motion JPEG stream at a set rate
/// (<c>/stream</c>), and the current one as a snapshot (<c>/snapshot</c>). It can cut every connection (a camera
/// reboot) or go silent while keeping the connection open (a stalled stream).
/// </summary>
public sealed class MjpegTestServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly IReadOnlyList<byte[]> frames;
    private readonly ConcurrentDictionary<HttpContext, byte> active = new();
    private int stallAfter = -1;

    private MjpegTestServer(WebApplication app, IReadOnlyList<byte[]> frames)
    {
        this.app = app;
        this.frames = frames;
    }

    public Uri StreamUrl => new(app.Urls.First() + "/stream");

    /// <summary>A stream that is cut as soon as it is asked for (a camera that keeps failing).</summary>
    public Uri BrokenUrl => new(app.Urls.First() + "/broken");

    /// <summary>Frames sent, over all connections.</summary>
    public int Sent => sent;

    public int Connections => connections;

    /// <summary>After the last frame: start again (true), or keep the connection open and send nothing (false).</summary>
    public bool Loop { get; set; } = true;

    public double Fps { get; set; } = 30;

    private int sent;
    private int connections;

    public static async Task<MjpegTestServer> StartAsync(IReadOnlyList<byte[]> frames, double fps = 30, bool loop = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new MjpegTestServer(app, frames) { Fps = fps, Loop = loop };
        app.MapGet("/stream", server.StreamAsync);
        app.MapGet("/broken", (HttpContext context) =>
        {
            Interlocked.Increment(ref server.connections);
            context.Abort();
        });
        app.MapGet("/snapshot", () => Results.Bytes(frames[Math.Max(0, server.sent - 1) % frames.Count], "image/jpeg"));
        await app.StartAsync();
        return server;
    }

    /// <summary>The current connection goes silent after <paramref name="frames"/> more frames (connections made later stream normally).</summary>
    public void StallAfter(int frames) => stallAfter = frames;

    /// <summary>Cuts every open stream, as a camera that reboots.</summary>
    public void KillConnections()
    {
        foreach (var context in active.Keys)
        {
            try
            {
                context.Abort();
            }
            catch (ObjectDisposedException)
            {
                // The request ended (and the server recycled its context) between listing and cutting it.
            }
        }
    }

    private async Task StreamAsync(HttpContext context)
    {
        Interlocked.Increment(ref connections);
        active[context] = 0;
        try
        {
            context.Response.ContentType = "multipart/x-mixed-replace; boundary=frame";
            var body = context.Response.Body;
            var token = context.RequestAborted;
            await body.WriteAsync(Encoding.ASCII.GetBytes("--frame\r\n"), token);
            var stalled = false;
            for (var i = 0; !token.IsCancellationRequested; i++)
            {
                if (i >= frames.Count && !Loop || stalled)
                {
                    await Task.Delay(Timeout.Infinite, token);
                }

                var frame = frames[i % frames.Count];
                await body.WriteAsync(Encoding.ASCII.GetBytes($"Content-Type: image/jpeg\r\nContent-Length: {frame.Length}\r\n\r\n"), token);
                await body.WriteAsync(frame, token);
                await body.WriteAsync(Encoding.ASCII.GetBytes("\r\n--frame\r\n"), token);
                await body.FlushAsync(token);
                Interlocked.Increment(ref sent);
                if (stallAfter >= 0 && --stallAfter < 0)
                {
                    stalled = true;
                }

                await Task.Delay(TimeSpan.FromSeconds(1 / Fps), token);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, or the connection was cut.
        }
        finally
        {
            active.TryRemove(context, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        KillConnections();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
