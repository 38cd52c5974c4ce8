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
    private readonly ConcurrentDictionary<string, Lazy<Task<RobotsTxt>>> robots = new(StringComparer.OrdinalIgnoreCase);

    public WebFetcher(WebCollectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        client = new HttpClient(OutboundGuard.CreateHandler([.. options.AllowedRanges]), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
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

    /// <summary>POSTs <paramref name="json"/> to <paramref name="uri"/> (an API such as a STAC search) and reads the answer, at most <paramref name="maxBytes"/>.</summary>
    public async Task<byte[]> PostJsonAsync(Uri uri, string json, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        CheckScheme(uri);
        if (Options.RespectRobotsTxt && !(await RobotsForAsync(uri, cancellationToken).ConfigureAwait(false)).Allows(uri.PathAndQuery))
        {
            throw new WebFetchException($"robots.txt of {uri.Authority} disallows {uri.AbsolutePath}");
        }

        using var buffer = new MemoryStream();
        await DownloadAsync(uri, Math.Min(maxBytes, Options.MaxBytes), buffer, json, timeout: null, reportAs: null, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>
    /// Downloads <paramref name="uri"/> into the file <paramref name="path"/> (large files such as satellite scenes), at
    /// most <paramref name="maxBytes"/>, within <paramref name="timeout"/>; a partial file is deleted.
    /// </summary>
    public async Task DownloadToFileAsync(Uri uri, string path, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        CheckScheme(uri);
        if (Options.RespectRobotsTxt && !(await RobotsForAsync(uri, cancellationToken).ConfigureAwait(false)).Allows(uri.PathAndQuery))
        {
            throw new WebFetchException($"robots.txt of {uri.Authority} disallows {uri.AbsolutePath}");
        }

        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await DownloadAsync(uri, maxBytes, file, json: null, timeout, reportAs: null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Downloads <paramref name="uri"/> into <paramref name="path"/>, resuming a partial file left there by an earlier
    /// attempt (an HTTP range request; a server that ignores it sends the whole file again, which replaces the part).
    /// At most <paramref name="maxBytes"/> in all, within <paramref name="timeout"/>; a file that would exceed the cap is
    /// deleted, while a download cut off by the network or the deadline keeps its part for the next attempt.
    /// <paramref name="progress"/> hears the bytes on disk.
    /// </summary>
    public async Task DownloadResumableAsync(
        Uri uri, string path, long maxBytes, TimeSpan timeout, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        CheckScheme(uri);
        if (Options.RespectRobotsTxt && !(await RobotsForAsync(uri, cancellationToken).ConfigureAwait(false)).Allows(uri.PathAndQuery))
        {
            throw new WebFetchException($"robots.txt of {uri.Authority} disallows {uri.AbsolutePath}");
        }

        var have = File.Exists(path) ? new FileInfo(path).Length : 0;
        if (have > maxBytes)
        {
            File.Delete(path);
            have = 0;
        }

        using var lease = await limiter.AcquireAsync(uri.Host, 1, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (have > 0)
            {
                request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(have, null);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
            {
                // The part already holds the whole file (the previous attempt ended after its last byte).
                return;
            }

            if (!response.IsSuccessStatusCode)
            {
                var failed = new WebFetchException($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                failed.Data[nameof(HttpStatusCode)] = (int)response.StatusCode;
                throw failed;
            }

            var resumed = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
            var start = resumed ? have : 0;
            if (response.Content.Headers.ContentLength is { } announced && start + announced > maxBytes)
            {
                File.Delete(path);
                throw new WebFetchException($"{uri} announces {start + announced} bytes; the limit is {maxBytes}");
            }

            var file = new FileStream(path, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    var chunk = new byte[1 << 16];
                    var total = start;
                    int read;
                    while ((read = await body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
                    {
                        if (total + read > maxBytes)
                        {
                            await file.DisposeAsync().ConfigureAwait(false);
                            File.Delete(path);
                            throw new WebFetchException($"{uri} sent more than {maxBytes} bytes, the limit; the download was cut off and removed");
                        }

                        total += read;
                        await file.WriteAsync(chunk.AsMemory(0, read), deadline.Token).ConfigureAwait(false);
                        progress?.Report(total);
                    }
                }
            }
        }
        catch (Exception e) when (Translated(e, uri, timeout, cancellationToken) is { } translated)
        {
            throw translated;
        }
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

    // Only answers are remembered; a refused or failed robots.txt fetch fails the downloads waiting for it, and the next
    // download tries again.
    private async Task<RobotsTxt> RobotsForAsync(Uri uri, CancellationToken cancellationToken)
    {
        // One fetch per origin however many downloads ask at once (a URL import starts several together); each asker
        // can stop waiting, and the fetch itself is bounded by the download deadline.
        var origin = uri.GetLeftPart(UriPartial.Authority);
        var fetch = robots.GetOrAdd(origin, _ => new Lazy<Task<RobotsTxt>>(() => FetchRobotsAsync(origin, uri)));
        try
        {
            return await fetch.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (fetch.Value.IsFaulted || fetch.Value.IsCanceled)
        {
            robots.TryRemove(new KeyValuePair<string, Lazy<Task<RobotsTxt>>>(origin, fetch));
            throw;
        }
    }

    private async Task<RobotsTxt> FetchRobotsAsync(string origin, Uri reportAs)
    {
        try
        {
            var text = await DownloadAsync(new Uri(origin + "/robots.txt"), MaxRobotsBytes, CancellationToken.None, reportAs).ConfigureAwait(false);
            return RobotsTxt.Parse(System.Text.Encoding.UTF8.GetString(text), Options.UserAgent);
        }
        catch (WebFetchException e) when (e.Data.Contains(nameof(HttpStatusCode)))
        {
            // No robots.txt (404 and other answers): nothing is disallowed.
            return RobotsTxt.AllowAll;
        }
    }

    // The download failures a caller should see as one WebFetchException naming the address; null for the others.
    private static WebFetchException? Translated(Exception e, Uri uri, TimeSpan limit, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when !cancellationToken.IsCancellationRequested =>
            new WebFetchException($"{uri} took longer than {limit.TotalSeconds:0.#} s, the limit; the download was cut off"),
        AntiSSRFException ssrf => new WebFetchException(
            $"{uri} is refused: {ssrf.Message} (an internal or special-use address; an administrator can allow its range in Collect:Web:AllowedRanges)", e),
        HttpRequestException { InnerException: AntiSSRFException ssrf } => new WebFetchException(
            $"{uri} is refused: {ssrf.Message} (an internal or special-use address; an administrator can allow its range in Collect:Web:AllowedRanges)", e),
        ArgumentException => new WebFetchException($"{uri} is refused: {e.Message}", e),
        HttpRequestException or HttpIOException or System.Net.Sockets.SocketException => new WebFetchException($"{uri} could not be fetched: {e.Message}", e),
        _ => null,
    };

    private async Task<byte[]> DownloadAsync(Uri target, long maxBytes, CancellationToken cancellationToken, Uri? reportAs = null)
    {
        using var buffer = new MemoryStream();
        await DownloadAsync(target, maxBytes, buffer, json: null, timeout: null, reportAs, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task DownloadAsync(Uri target, long maxBytes, Stream into, string? json, TimeSpan? timeout, Uri? reportAs, CancellationToken cancellationToken)
    {
        var uri = reportAs ?? target;
        var limit = timeout ?? Options.Timeout;
        using var lease = await limiter.AcquireAsync(target.Host, 1, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            using var request = new HttpRequestMessage(json is null ? HttpMethod.Get : HttpMethod.Post, target);
            if (json is not null)
            {
                request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
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
                var chunk = new byte[81920];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    if (total + read > maxBytes)
                    {
                        throw new WebFetchException($"{uri} sent more than {maxBytes} bytes, the limit; the download was cut off");
                    }

                    total += read;
                    await into.WriteAsync(chunk.AsMemory(0, read), deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebFetchException($"{uri} took longer than {limit.TotalSeconds:0.#} s, the limit; the download was cut off");
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
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException)
        {
            // A name that does not resolve surfaces from the guard's own DNS lookup as a SocketException.
            throw new WebFetchException($"{uri} could not be fetched: {e.Message}", e);
        }
    }
}
