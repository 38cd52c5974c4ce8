using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Security.AntiSSRF;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>
/// Downloads for web collection. Every connection goes through an AntiSSRF handler that checks the address actually
/// connected to (after DNS, on every redirect) against the internal and special-use ranges, so loopback, private
/// ranges, the metadata address and their other spellings (IPv4-mapped IPv6, decimal or hex hosts, DNS names
/// resolving to them, redirects to them) are refused unless <see cref="WebCollectOptions.AllowedRanges"/> lists them.
/// Only http and https are fetched; each download is bounded in bytes and time; requests to one host are spaced by
/// a rate limiter; robots.txt is honoured.
/// </summary>
public sealed class WebFetcher : IDisposable
{
    private const long MaxRobotsBytes = 512 * 1024;
    private readonly HttpClient client;
    private readonly PartitionedRateLimiter<string> limiter;
    private readonly ConcurrentDictionary<string, RobotsTxt> robots = new(StringComparer.OrdinalIgnoreCase);

    public WebFetcher(WebCollectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var policy = new AntiSSRFPolicy(PolicyConfigOptions.ExternalOnlyLatest) { AllowPlainTextHttp = true, AddXFFHeader = false };
        if (options.AllowedRanges.Count > 0)
        {
            policy.AddAllowedAddresses([.. options.AllowedRanges]);
        }

        client = new HttpClient(policy.GetHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        limiter = PartitionedRateLimiter.Create<string, string>(host => RateLimitPartition.GetTokenBucketLimiter(host, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = options.PerHostInterval <= TimeSpan.Zero ? TimeSpan.FromTicks(1) : options.PerHostInterval,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));
    }

    public WebCollectOptions Options { get; }

    /// <summary>Downloads <paramref name="uri"/> whole, at most <paramref name="maxBytes"/>, within the time limit.</summary>
    public async Task<byte[]> GetAsync(Uri uri, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        CheckScheme(uri);
        if (Options.RespectRobotsTxt && !(await RobotsForAsync(uri, cancellationToken).ConfigureAwait(false)).Allows(uri.PathAndQuery))
        {
            throw new WebFetchException($"robots.txt of {uri.Authority} disallows {uri.AbsolutePath}");
        }

        return await DownloadAsync(uri, Math.Min(maxBytes, Options.MaxBytes), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        client.Dispose();
        limiter.Dispose();
    }

    private static void CheckScheme(Uri uri)
    {
        if (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https"))
        {
            throw new WebFetchException($"'{uri.OriginalString}' is refused: only http and https addresses are fetched");
        }
    }

    // Only answers are remembered; a refused or failed robots.txt fetch fails the download it was for.
    private async Task<RobotsTxt> RobotsForAsync(Uri uri, CancellationToken cancellationToken)
    {
        var origin = uri.GetLeftPart(UriPartial.Authority);
        if (robots.TryGetValue(origin, out var known))
        {
            return known;
        }

        RobotsTxt rules;
        try
        {
            var text = await DownloadAsync(new Uri(origin + "/robots.txt"), MaxRobotsBytes, cancellationToken, reportAs: uri).ConfigureAwait(false);
            rules = RobotsTxt.Parse(System.Text.Encoding.UTF8.GetString(text), Options.UserAgent);
        }
        catch (WebFetchException e) when (e.Data.Contains(nameof(HttpStatusCode)))
        {
            // No robots.txt (404 and other answers): nothing is disallowed.
            rules = RobotsTxt.AllowAll;
        }

        robots[origin] = rules;
        return rules;
    }

    private async Task<byte[]> DownloadAsync(Uri target, long maxBytes, CancellationToken cancellationToken, Uri? reportAs = null)
    {
        var uri = reportAs ?? target;
        using var lease = await limiter.AcquireAsync(target.Host, 1, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.Timeout);
        try
        {
            using var response = await client.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var failed = new WebFetchException($"{target} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                failed.Data[nameof(HttpStatusCode)] = (int)response.StatusCode;
                throw failed;
            }

            if (response.Content.Headers.ContentLength is { } announced && announced > maxBytes)
            {
                throw new WebFetchException($"{uri} announces {announced} bytes; the limit is {maxBytes}");
            }

            var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        throw new WebFetchException($"{uri} sent more than {maxBytes} bytes, the limit; the download was cut off");
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebFetchException($"{uri} took longer than {Options.Timeout.TotalSeconds:0.#} s, the limit; the download was cut off");
        }
        catch (AntiSSRFException e)
        {
            throw new WebFetchException($"{uri} is refused: {e.Message} (an internal or special-use address; an administrator can allow its range in Collect:Web:AllowedRanges)", e);
        }
        catch (HttpRequestException e) when (e.InnerException is AntiSSRFException ssrf)
        {
            throw new WebFetchException($"{uri} is refused: {ssrf.Message} (an internal or special-use address; an administrator can allow its range in Collect:Web:AllowedRanges)", e);
        }
        catch (ArgumentException e)
        {
            // The socket layer refuses unspecified targets (0.0.0.0, ::) before any connection.
            throw new WebFetchException($"{uri} is refused: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new WebFetchException($"{uri} could not be fetched: {e.Message}", e);
        }
    }
}
