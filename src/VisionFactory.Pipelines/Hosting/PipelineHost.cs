using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisionFactory.Domain;
using VisionFactory.Domain.Pipelines;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage.Database;

namespace VisionFactory.Pipelines.Hosting;

/// <summary>
/// The pipelines running in this process: start, stop, restart, and their live figures. What a person started and
/// has not stopped is recorded as a <see cref="PipelineDeployment"/>, so that <see cref="ResumeAsync"/> starts it
/// again after the host restarts.
/// </summary>
public sealed partial class PipelineHost(IServiceProvider services, PipelineBuilder builder, PipelineOptions options, TimeProvider clock, ILogger<PipelineHost> logger)
    : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PipelineRunner> running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Raised when a pipeline starts or stops.</summary>
    public event Action<string>? Changed;

    public bool IsRunning(string name) => running.ContainsKey(name);

    public IReadOnlyCollection<string> Running => [.. running.Keys];

    /// <summary>Starts the newest version (or the given one) of a saved pipeline; 409 when it already runs.</summary>
    /// <remarks>Internal: callers go through <see cref="PipelineService"/>, which checks the caller's role.</remarks>
    internal async Task<PipelineMetrics> StartAsync(string name, int? version, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await StartLockedAsync(name, version, resumed: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops a running pipeline; 409 when it is not running. It is no longer resumed when the host restarts.</summary>
    internal async Task<PipelineMetrics> StopAsync(string name)
    {
        if (!running.TryRemove(name, out var runner))
        {
            throw ProblemException.Conflict($"pipeline '{name}' is not running");
        }

        await runner.StopAsync().ConfigureAwait(false);
        var metrics = runner.Metrics();
        await runner.DisposeAsync().ConfigureAwait(false);
        await WithDbAsync(async db =>
        {
            await db.PipelineDeployments.Where(d => d.Name == name).ExecuteDeleteAsync().ConfigureAwait(false);
        }, CancellationToken.None).ConfigureAwait(false);
        Changed?.Invoke(name);
        return metrics;
    }

    internal async Task<PipelineMetrics> RestartAsync(string name, CancellationToken cancellationToken)
    {
        if (running.ContainsKey(name))
        {
            await StopAsync(name).ConfigureAwait(false);
        }

        return await StartAsync(name, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Live figures of a running pipeline, or null when it is not running here.</summary>
    public PipelineMetrics? Metrics(string name) => running.TryGetValue(name, out var runner) ? runner.Metrics() : null;

    /// <summary>Why the pipeline could not be started again when this host last started, if it could not.</summary>
    public async Task<string?> ResumeErrorAsync(string name, CancellationToken cancellationToken)
    {
        string? error = null;
        await WithDbAsync(async db =>
        {
            error = await db.PipelineDeployments.AsNoTracking().Where(d => d.Name == name).Select(d => d.ResumeError)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return error;
    }

    /// <summary>
    /// Starts again every pipeline recorded as running on this host (<see cref="PipelineOptions.HostName"/>), each at
    /// the version that ran. One that cannot start (its model was deleted, its folder is no longer allowed) keeps its
    /// record with the reason, shown beside the pipeline, and the others still start.
    /// </summary>
    /// <returns>The names started again.</returns>
    public async Task<IReadOnlyList<string>> ResumeAsync(CancellationToken cancellationToken)
    {
        List<PipelineDeployment> deployments = [];
        await WithDbAsync(async db =>
        {
            deployments = await db.PipelineDeployments.AsNoTracking().Where(d => d.Host == options.HostName)
                .OrderBy(d => d.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        var resumed = new List<string>();
        foreach (var deployment in deployments)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (running.ContainsKey(deployment.Name))
                {
                    continue;
                }

                await StartLockedAsync(deployment.Name, deployment.Version, resumed: true, cancellationToken).ConfigureAwait(false);
                resumed.Add(deployment.Name);
                LogResumed(logger, deployment.Name, deployment.Version);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogResumeFailed(logger, e, deployment.Name, deployment.Version);
                var reason = e is ProblemException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                var error = $"not resumed when the host started at {clock.GetUtcNow():u}: {reason}";
                await WithDbAsync(async db =>
                {
                    await db.PipelineDeployments.Where(d => d.Name == deployment.Name)
                        .ExecuteUpdateAsync(u => u.SetProperty(d => d.ResumeError, error[..Math.Min(error.Length, 2000)]), cancellationToken)
                        .ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }

        return resumed;
    }

    public async ValueTask DisposeAsync()
    {
        // Shutting the host down is not stopping: the deployments stay, and the next start resumes them.
        foreach (var name in running.Keys.ToList())
        {
            if (running.TryRemove(name, out var runner))
            {
                await runner.DisposeAsync().ConfigureAwait(false);
            }
        }

        gate.Dispose();
    }

    private async Task<PipelineMetrics> StartLockedAsync(string name, int? version, bool resumed, CancellationToken cancellationToken)
    {
        if (running.ContainsKey(name))
        {
            throw ProblemException.Conflict($"pipeline '{name}' is already running; stop it first, or restart it");
        }

        PipelineVersionInfo saved;
        await using (var scope = services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<PipelineService>().GetAsync(name, version, cancellationToken).ConfigureAwait(false);
            saved = new PipelineVersionInfo(stored.Number, PipelineDefinitionReader.ReadJson(stored.Definition));
        }

        var runner = await builder.BuildAsync(saved.Definition, saved.Number, cancellationToken).ConfigureAwait(false);
        runner.Start();
        try
        {
            await RecordAsync(name, saved.Number, resumed, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not recorded means not resumed after a restart: run nothing that the record does not know about.
            await runner.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        running[name] = runner;
        Changed?.Invoke(name);
        return runner.Metrics();
    }

    private Task RecordAsync(string name, int version, bool resumed, CancellationToken cancellationToken) => WithDbAsync(async db =>
    {
        var now = clock.GetUtcNow();
        var deployment = await db.PipelineDeployments.SingleOrDefaultAsync(d => d.Name == name, cancellationToken).ConfigureAwait(false);
        if (deployment is null)
        {
            db.PipelineDeployments.Add(new PipelineDeployment { Name = name, Version = version, Host = options.HostName, StartedAt = now });
        }
        else
        {
            deployment.Version = version;
            deployment.Host = options.HostName;
            deployment.ResumeError = null;
            if (resumed)
            {
                deployment.ResumedAt = now;
            }
            else
            {
                deployment.StartedAt = now;
                deployment.ResumedAt = null;
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    private async Task WithDbAsync(Func<VisionFactoryDb, Task> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var scope = services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<VisionFactoryDb>()).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline} (version {Version}) was running when the host stopped; started again")]
    private static partial void LogResumed(ILogger logger, string pipeline, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipeline {Pipeline} (version {Version}) was running when the host stopped but could not be started again")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception, string pipeline, int version);

    private sealed record PipelineVersionInfo(int Number, PipelineDefinition Definition);
}
