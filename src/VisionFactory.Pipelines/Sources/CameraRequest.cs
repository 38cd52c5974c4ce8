using VisionFactory.Datasets.Collect.Web;

namespace VisionFactory.Pipelines.Sources;

/// <summary>A camera source's GET, with the connect-time guard's refusal told in the words of the pipeline's settings.</summary>
internal static class CameraRequest
{
    public static async Task<HttpResponseMessage> GetAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            return await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (OutboundGuard.RefusalOf(e) is { } reason)
        {
            throw new HttpRequestException(
                $"url: the camera address {url.Host} is internal and was refused ({reason}); an administrator can allow its network with Pipelines:CameraAllowedNetworks", e);
        }
    }
}
