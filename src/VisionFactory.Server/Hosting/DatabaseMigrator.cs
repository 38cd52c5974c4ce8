using VisionFactory.Factory;

namespace VisionFactory.Server.Hosting;

/// <summary>Applies pending schema migrations when the host starts, before any request is served.</summary>
internal sealed class DatabaseMigrator(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => services.MigrateDatabaseAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
