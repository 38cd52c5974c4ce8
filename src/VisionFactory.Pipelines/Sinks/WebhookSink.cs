using System.Net.Http.Json;
using Microsoft.Security.AntiSSRF;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sinks;

/// <summary>Settings of <c>webhook</c>.</summary>
public sealed class WebhookSettings
{
    public string Url { get; set; } = "";

    public double TimeoutSeconds { get; set; } = 5;

    /// <summary>Post only frames with at least one label (false posts every frame).</summary>
    public bool OnlyLabelled { get; set; } = true;
}

/// <summary>
/// POSTs each frame's results as JSON. Outgoing connections go through Microsoft's AntiSSRF handler: loopback,
/// private, link-local and other internal addresses are refused at connect time (after DNS, so a name that resolves
/// inward is caught), unless an administrator allow-listed the network (Pipelines:WebhookAllowedNetworks). While the
/// receiver is down the post is retried with capped back-off; the bounded queue in front of this step sheds the oldest
/// results meanwhile, and delivery resumes when the receiver is back.
/// </summary>
public sealed class WebhookSink : IResultSink
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly WebhookSettings settings;
    private readonly Uri url;
    private readonly HttpClient http;
    private readonly Action<PipelineEventKind, string> report;
    private readonly TimeProvider clock;
    private bool failing;

    public WebhookSink(WebhookSettings settings, IReadOnlyList<string> allowedNetworks, Action<PipelineEventKind, string> report, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(allowedNetworks);
        this.settings = settings;
        this.report = report;
        this.clock = clock;
        url = new Uri(settings.Url);
        http = new HttpClient(OutboundGuard.CreateHandler([.. allowedNetworks])) { Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds) };
    }

    public bool WantsThumbnail => false;

    /// <summary>Posts one result; returns once delivered, or throws when the receiver refuses it for good.</summary>
    public async Task WriteAsync(FrameResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (settings.OnlyLabelled && result.Labels.Count == 0)
        {
            return;
        }

        var document = ResultDocument.From(result);
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            string failure;
            try
            {
                using var response = await http.PostAsJsonAsync(url, document, PipelineJson.Compact, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    if (failing)
                    {
                        failing = false;
                        report(PipelineEventKind.Info, "the webhook receiver is back: delivery resumed");
                    }

                    return;
                }

                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    throw new HttpRequestException($"the webhook receiver refused a result with {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                failure = $"answered {(int)response.StatusCode}";
            }
            catch (AntiSSRFException e)
            {
                throw new HttpRequestException(
                    $"the webhook address {url.Host} is internal and was refused ({e.Message}); an administrator can allow its network with Pipelines:WebhookAllowedNetworks", e);
            }
            catch (HttpRequestException e) when (e.InnerException is AntiSSRFException blocked)
            {
                throw new HttpRequestException(
                    $"the webhook address {url.Host} is internal and was refused ({blocked.Message}); an administrator can allow its network with Pipelines:WebhookAllowedNetworks", e);
            }
            catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException)
            {
                failure = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {settings.TimeoutSeconds} s";
            }

            if (!failing)
            {
                failing = true;
                report(PipelineEventKind.Warning, $"the webhook receiver is unreachable ({failure}): retrying; results queue up and the oldest are dropped");
            }

            await Task.Delay(backoff, clock, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}
