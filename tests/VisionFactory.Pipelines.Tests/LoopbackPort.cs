using System.Net;
using System.Net.Sockets;

namespace VisionFactory.Pipelines.Tests;

internal static class LoopbackPort
{
    /// <summary>A loopback port nobody listens on (right now).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
