using System.Net;
using System.Net.Sockets;
using Microsoft.Security.AntiSSRF;
using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>
/// The one guard for connections the server makes on its users' behalf (web imports, webhooks, camera sources):
/// Microsoft's AntiSSRF handler checks the address actually connected to (after DNS, on every redirect), so loopback,
/// private, link-local, the metadata address and their other spellings are refused unless an administrator's
/// allow-list (CIDR) holds them. Programs that connect on their own (ffmpeg) get the host resolved and checked first
/// with <see cref="ResolveAsync"/>.
/// </summary>
public static class OutboundGuard
{
    /// <summary>A handler that refuses internal addresses outside <paramref name="allowedRanges"/> when it connects.</summary>
    public static AntiSSRFHandler CreateHandler(IReadOnlyCollection<string> allowedRanges, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(allowedRanges);
        var policy = new AntiSSRFPolicy(PolicyConfigOptions.ExternalOnlyLatest) { AllowPlainTextHttp = true, AddXFFHeader = false };
        if (allowedRanges.Count > 0)
        {
            policy.AddAllowedAddresses([.. allowedRanges]);
        }

        var handler = policy.GetHandler();
        if (connectTimeout is { } timeout)
        {
            handler.ConnectTimeout = timeout;
        }

        return handler;
    }

    /// <summary>The guard's reason when <paramref name="exception"/> is (or wraps) its refusal; else null.</summary>
    public static string? RefusalOf(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AntiSSRFException refused)
            {
                return refused.Message;
            }
        }

        return null;
    }

    /// <summary>Refuses a list that holds something other than CIDR ranges, naming the setting.</summary>
    public static void CheckRanges(IEnumerable<string>? ranges, string setting)
    {
        if (RangeProblems(ranges, setting).FirstOrDefault() is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }
    }

    /// <summary>What is wrong with a list that should hold only CIDR ranges, one sentence per entry naming the setting.</summary>
    public static IEnumerable<string> RangeProblems(IEnumerable<string>? ranges, string setting) =>
        (ranges ?? []).Where(r => !IPNetwork.TryParse(r, out _)).Select(r => $"{setting} holds '{r}', which is not a CIDR range (e.g. 192.168.1.0/24)");

    /// <summary>
    /// The internal address <paramref name="host"/> names without resolving it (a literal address or <c>localhost</c>),
    /// when no range of <paramref name="allowedRanges"/> holds it; null for public addresses and other names.
    /// </summary>
    public static IPAddress? RefusedLiteral(string host, IReadOnlyCollection<string> allowedRanges)
    {
        ArgumentNullException.ThrowIfNull(host);
        var bare = host.Trim('[', ']');
        IPAddress? ip = IPAddress.TryParse(bare, out var literal) ? literal
            : bare.Equals("localhost", StringComparison.OrdinalIgnoreCase) || bare.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : null;
        return ip is not null && !Allowed(ip, allowedRanges) ? Plain(ip) : null;
    }

    /// <summary>
    /// Resolves <paramref name="host"/> and returns the address to connect to; refused, naming the address, when it is
    /// internal and outside <paramref name="allowedRanges"/>. Connect to the returned address, not the name, so that
    /// the name cannot resolve elsewhere between the check and the connection.
    /// </summary>
    public static async Task<IPAddress> ResolveAsync(string host, IReadOnlyCollection<string> allowedRanges, string setting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var bare = host.Trim('[', ']');
        IPAddress[] found;
        try
        {
            found = IPAddress.TryParse(bare, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(bare, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw ProblemException.Invalid($"{setting}: cannot reach {host}: the name does not resolve ({e.Message})");
        }

        var ip = Plain(found.FirstOrDefault() ?? throw ProblemException.Invalid($"{setting}: cannot reach {host}: the name has no address"));
        if (!Allowed(ip, allowedRanges))
        {
            throw ProblemException.Invalid(Refused(host, ip, setting));
        }

        return ip;
    }

    /// <summary>The words a refusal uses: the host, the address it came to, and how an administrator allows it.</summary>
    public static string Refused(string host, IPAddress address, string setting) =>
        $"{setting}: {host} is an internal address ({address}) and is refused; an administrator can allow its range (e.g. {Suggest(address)}) in Pipelines:CameraAllowedNetworks";

    private static bool Allowed(IPAddress ip, IReadOnlyCollection<string> allowedRanges)
    {
        var plain = Plain(ip);
        return !RemoteHostPolicy.IsInternal(plain) || allowedRanges.Any(r => IPNetwork.TryParse(r, out var n) && n.Contains(plain));
    }

    private static IPAddress Plain(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    private static string Suggest(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork
        ? new IPNetwork(new IPAddress(ip.GetAddressBytes()[..3].Concat(new byte[] { 0 }).ToArray()), 24).ToString()
        : ip + "/128";
}
