using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace VisionFactory.Testing;

/// <summary>A real HTTP server on a loopback address (HttpListener), answering by path and recording every hit.</summary>
public sealed class LocalWebServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<HttpListenerContext, Task> handle;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public LocalWebServer(string address, Func<HttpListenerContext, Task> handle)
    {
        this.handle = handle;
        var port = FreePort(address);
        BaseUri = new Uri($"http://{address}:{port}/");
        listener.Prefixes.Add(BaseUri.ToString());
        listener.Start();
        loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    public int Port => BaseUri.Port;

    public ConcurrentQueue<(string Path, DateTime At)> Hits { get; } = new();

    public Uri Url(string path) => new(BaseUri, path);

    public void Dispose()
    {
        stop.Cancel();

        // Close alone: on Linux, Stop followed by Close removes the prefix twice, and the second removal binds the port
        // again to find its endpoint, failing with "Address already in use" when another test has taken the port since.
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Hits.Enqueue((context.Request.Url!.AbsolutePath, DateTime.UtcNow));
            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(context);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The client went away (a cut-off download): nothing to answer.
                }
            });
        }
    }

    private static int FreePort(string address)
    {
        using var probe = new TcpListener(IPAddress.Parse(address), 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
