using System.Net;
using System.Net.Sockets;
using VisionFactory.Domain;

namespace VisionFactory.Cli.Commands;

/// <summary>The addresses <c>vf serve</c> listens on, checked before the host starts.</summary>
public static class ListenAddresses
{
    /// <summary>Where the host listens when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says.</summary>
    public const string Default = "http://localhost:5000";

    /// <summary>
    /// Throws a conflict naming the address and what to do when another process already listens on one of
    /// <paramref name="urls"/> (separated by ';'); addresses it cannot read are left to the host.
    /// </summary>
    public static void EnsureFree(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var readable = url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(readable, UriKind.Absolute, out var uri) || uri.Port <= 0)
                continue;
            var address = uri.IsLoopback && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _) ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) ? parsed : null;
            if (address is null)
                continue;
            if (InUse(address, uri.Port))
            {
                var next = new UriBuilder(uri) { Port = uri.Port + 1 }.Uri.ToString().TrimEnd('/');
                throw ProblemException.Conflict(
                    $"cannot listen on {url}: the address is already in use (is another vf serve running?); " +
                    $"stop it, or choose another address: vf serve --urls {next}");
            }
        }
    }

    private static bool InUse(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // As Kestrel does: a port left in TIME_WAIT by a server that just stopped is free, a listening one is not.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
        catch (SocketException)
        {
            // Not ours to judge (no such interface, no permission): the host reports it.
            return false;
        }
    }
}
