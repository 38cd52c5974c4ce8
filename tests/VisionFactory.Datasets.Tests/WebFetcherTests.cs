using System.Diagnostics;
using System.Net;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Downloads refused for internal addresses in every spelling, bounded in bytes and time, polite to hosts.</summary>
public sealed class WebFetcherTests : IDisposable
{
    private static readonly byte[] Png = SyntheticImages.Encode(0, 1);
    private readonly LocalWebServer trap = new("127.0.0.1", _ => Task.CompletedTask);

    public static TheoryData<string> Internal => new()
    {
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://0x7f000001:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://0177.0.0.1:{port}/secret",
        "http://127.1:{port}/secret",
        "http://10.0.0.1/secret",
        "http://172.16.5.4/secret",
        "http://192.168.1.1/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/secret",
        "http://0.0.0.0:{port}/secret",
    };

    [Theory]
    [MemberData(nameof(Internal))]
    public async Task InternalAddressesInEverySpellingAreRefusedAndTheTrapSeesNothing(string template)
    {
        using var fetcher = new WebFetcher(WebCollectOptions.Default with { Timeout = TimeSpan.FromSeconds(3), RespectRobotsTxt = false });
        var uri = new Uri(template.Replace("{port}", trap.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<WebFetchException>(() => fetcher.GetAsync(uri, 1 << 20, CancellationToken.None));

        Assert.Contains("is refused", e.Message, StringComparison.Ordinal);
        Assert.Empty(trap.Hits);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://127.0.0.1:70/_x")]
    [InlineData("ftp://127.0.0.1/x.png")]
    public async Task SchemesOtherThanHttpAreRefused(string url)
    {
        using var fetcher = new WebFetcher(WebCollectOptions.Default);

        var e = await Assert.ThrowsAsync<WebFetchException>(() => fetcher.GetAsync(new Uri(url), 1 << 20, CancellationToken.None));

        Assert.Contains("only http and https", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAllowListedRangeIsFetchedButARedirectToLoopbackIsRefusedAtConnectTime()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            if (context.Request.Url!.AbsolutePath == "/redirect")
            {
                context.Response.StatusCode = 302;
                context.Response.RedirectLocation = $"http://127.0.0.1:{trap.Port}/secret";
                return;
            }

            context.Response.ContentType = "image/png";
            await context.Response.OutputStream.WriteAsync(Png);
        });
        using var fetcher = new WebFetcher(WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], RespectRobotsTxt = false });

        var image = await fetcher.GetAsync(site.Url("image.png"), 1 << 20, CancellationToken.None);
        var e = await Assert.ThrowsAsync<WebFetchException>(() => fetcher.GetAsync(site.Url("redirect"), 1 << 20, CancellationToken.None));

        Assert.Equal(Png, image);
        Assert.Contains("is refused", e.Message, StringComparison.Ordinal);
        Assert.Empty(trap.Hits);
    }

    [Fact]
    public async Task EndlessAndDrippingDownloadsAreCutAtTheByteCapAndTheDeadline()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            var chunk = new byte[64 * 1024];
            context.Response.SendChunked = true;
            for (var i = 0; i < 1_000_000; i++)
            {
                if (context.Request.Url!.AbsolutePath == "/drip")
                {
                    await context.Response.OutputStream.WriteAsync(chunk.AsMemory(0, 1));
                    await context.Response.OutputStream.FlushAsync();
                    await Task.Delay(1000);
                }
                else
                {
                    await context.Response.OutputStream.WriteAsync(chunk);
                }
            }
        });
        using var fetcher = new WebFetcher(WebCollectOptions.Default with
        {
            AllowedRanges = ["127.0.0.2/32"], RespectRobotsTxt = false, Timeout = TimeSpan.FromSeconds(2), MaxBytes = 4 << 20,
        });
        var clock = Stopwatch.StartNew();

        var endless = await Assert.ThrowsAsync<WebFetchException>(() => fetcher.GetAsync(site.Url("endless"), 1 << 30, CancellationToken.None));
        var drip = await Assert.ThrowsAsync<WebFetchException>(() => fetcher.GetAsync(site.Url("drip"), 1 << 30, CancellationToken.None));

        Assert.Contains("sent more than 4194304 bytes", endless.Message, StringComparison.Ordinal);
        Assert.Contains("took longer than 2 s", drip.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task RobotsTxtIsHonouredAndRequestsToOneHostAreSpaced()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            if (context.Request.Url!.AbsolutePath == "/robots.txt")
            {
                await context.Response.OutputStream.WriteAsync("User-agent: *\nDisallow: /private/\nAllow: /private/open\n"u8.ToArray());
                return;
            }

            await context.Response.OutputStream.WriteAsync(Png);
        });
        using var fetcher = new WebFetcher(WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], PerHostInterval = TimeSpan.FromMilliseconds(400) });

        var refused = await Assert.ThrowsAsync<WebFetchException>(() => fetcher.GetAsync(site.Url("private/a.png"), 1 << 20, CancellationToken.None));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fetcher.GetAsync(site.Url($"public/{i}.png"), 1 << 20, CancellationToken.None)));
        await fetcher.GetAsync(site.Url("private/open.png"), 1 << 20, CancellationToken.None);

        Assert.Contains("robots.txt", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(site.Hits, h => h.Path == "/private/a.png");
        var times = site.Hits.Where(h => h.Path.StartsWith("/public/", StringComparison.Ordinal)).Select(h => h.At).Order().ToList();
        Assert.Equal(4, times.Count);

        // A token bucket of one token per 400 ms: the first request takes the token the bucket starts with, and each
        // of the other three waits for a replenishment. Replenishments keep their own beat, so one gap alone can be
        // short (the first request may come just before a beat, or a late beat may be followed by a punctual one), but
        // the fourth request comes at least two beats after the second could have: four requests span at least two
        // periods. 200 ms of that is left for the test server's own delays in noting a request. Without the limit, the
        // four concurrent requests arrive within milliseconds.
        Assert.True(times[^1] - times[0] > TimeSpan.FromMilliseconds(600), string.Join(", ", times.Zip(times.Skip(1)).Select(p => p.Second - p.First)));
    }

    [Fact]
    public async Task ConcurrentDownloadsFromOneHostFetchItsRobotsTxtOnce()
    {
        using var site = new LocalWebServer("127.0.0.2", async context =>
        {
            if (context.Request.Url!.AbsolutePath == "/robots.txt")
            {
                // Slow enough that all four downloads ask for it while it is on its way.
                await Task.Delay(300);
                await context.Response.OutputStream.WriteAsync("User-agent: *\nDisallow: /private/\n"u8.ToArray());
                return;
            }

            await context.Response.OutputStream.WriteAsync(Png);
        });
        using var fetcher = new WebFetcher(WebCollectOptions.Default with { AllowedRanges = ["127.0.0.2/32"], PerHostInterval = TimeSpan.Zero });

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fetcher.GetAsync(site.Url($"public/{i}.png"), 1 << 20, CancellationToken.None)));

        Assert.Single(site.Hits, h => h.Path == "/robots.txt");
        Assert.Equal(4, site.Hits.Count(h => h.Path.StartsWith("/public/", StringComparison.Ordinal)));
    }

    [Fact]
    public void RobotsRulesPickTheLongestMatchAndOurAgentsGroup()
    {
        var robots = RobotsTxt.Parse("User-agent: *\nDisallow: /\n\nUser-agent: VisionFactory\nDisallow: /photos/*.gif$\nAllow: /\n", "VisionFactory/1.0");

        Assert.True(robots.Allows("/photos/a.jpg"));
        Assert.False(robots.Allows("/photos/a.gif"));
        Assert.True(robots.Allows("/photos/a.gif?x=1"));
        Assert.False(RobotsTxt.Parse("User-agent: *\nDisallow: /\n", "OtherBot").Allows("/x"));
    }

    public void Dispose() => trap.Dispose();
}
