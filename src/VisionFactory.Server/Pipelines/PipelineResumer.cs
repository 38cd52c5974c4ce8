using VisionFactory.Pipelines.Hosting;

namespace VisionFactory.Server.Pipelines;

/// <summary>
/// Starts again, when the web host starts, the pipelines that were running on it when it last stopped or crashed
/// (<c>Pipelines:ResumeOnStart</c>, on by default). Registered after the database migrator, so the schema is current.
/// </summary>
internal sealed class PipelineResumer(PipelineHost host, PipelineOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.ResumeOnStart)
        {
            await host.ResumeAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
