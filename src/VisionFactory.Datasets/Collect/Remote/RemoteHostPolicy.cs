using System.Net;
using System.Net.Sockets;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Remote;

/// <summary>
/// Which hosts the server may pull from on its users' behalf: public addresses, and internal or special-use ones
/// (loopback, private, link-local with the cloud metadata address, carrier-grade NAT, unique-local, multicast,
/// unspecified; IPv4-mapped IPv6 included) only inside the ranges an administrator lists in
/// <c>Collect:Remote:AllowedRanges</c>. The host name is resolved once and the pull connects to the address that was
/// checked, so a name cannot resolve to another address between the check and the connection. The command line runs
/// with its user's own network rights and uses <see cref="Unrestricted"/>.
/// </summary>
public sealed class RemoteHostPolicy
{
    private static readonly IPNetwork[] Internal =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"), IPNetwork.Parse("::/127"), IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    private readonly IPNetwork[] allowed;
    private readonly bool restricted;

    public RemoteHostPolicy(IEnumerable<string>? allowedRanges)
    {
        restricted = true;
        try
        {
            allowed = (allowedRanges ?? []).Select(IPNetwork.Parse).ToArray();
        }
        catch (FormatException e)
        {
            throw ProblemException.Invalid("Collect:Remote:AllowedRanges holds a range that is not CIDR (e.g. 10.1.0.0/16): " + e.Message);
        }
    }

    private RemoteHostPolicy()
    {
        allowed = [];
        restricted = false;
    }

    /// <summary>Whether an address is loopback, private, link-local or another internal or special-use address.</summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return Internal.Any(n => n.Contains(plain));
    }

    /// <summary>Any host (the command line, which runs with its user's own rights).</summary>
    public static RemoteHostPolicy Unrestricted { get; } = new();

    /// <summary>
    /// Resolves the address's host and returns the address to connect to (its first address); refused with the reason
    /// when it is internal and not allowed, or does not resolve.
    /// </summary>
    public async Task<RemoteAddress> ResolveAsync(RemoteAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!restricted)
        {
            return address;
        }

        IPAddress[] found;
        try
        {
            found = IPAddress.TryParse(address.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(address.Host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw ProblemException.Invalid($"cannot reach {address.Host}: the name does not resolve ({e.Message})");
        }

        var ip = found.FirstOrDefault() ?? throw ProblemException.Invalid($"cannot reach {address.Host}: the name has no address");
        var plain = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        if (Internal.Any(n => n.Contains(plain)) && !allowed.Any(n => n.Contains(plain)))
        {
            throw ProblemException.Invalid(
                $"{address.Host} is an internal address ({plain}): the server pulls only from public hosts unless an administrator allows the range in Collect:Remote:AllowedRanges");
        }

        // FTPS checks its certificate against the name, so the name is kept there.
        return address.Scheme == "ftps" ? address : address with { Host = plain.ToString(), ShownHost = address.Host };
    }
}
