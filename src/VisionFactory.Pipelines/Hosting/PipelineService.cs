using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Audit;
using VisionFactory.Domain.Pipelines;
using VisionFactory.Domain.Users;
using VisionFactory.Pipelines.Catalog;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;
using VisionFactory.Storage.Audit;
using VisionFactory.Storage.Database;

namespace VisionFactory.Pipelines.Hosting;

/// <summary>
/// Saved pipelines (versioned definitions), their stored results and alerts, and starting and stopping them: the
/// pipelines' front desk for the API, the UI and the CLI. Saving, starting, stopping and restarting need the editor
/// role, checked here against the <see cref="Caller"/>, so every door meets the same rule; and every start is recorded
/// here in the audit log, with the caller's name and address, so a start from any door is recorded once.
/// </summary>
public sealed class PipelineService(
    VisionFactoryDb db, ComponentCatalog catalog, TimeProvider clock, PipelineHost host, PipelineBuilder builder, AuditLog audit, Caller caller)
{
    /// <summary>Validates the definition and saves it as the next version of its name (1 for a new name).</summary>
    public async Task<PipelineVersion> SaveAsync(PipelineDefinition definition, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "save a pipeline");
        var valid = new PipelineValidator(catalog).ValidateOrThrow(definition);
        var latest = await db.PipelineVersions.Where(p => p.Name == valid.Name)
            .MaxAsync(p => (int?)p.Number, cancellationToken).ConfigureAwait(false) ?? 0;
        var version = new PipelineVersion
        {
            Name = valid.Name,
            Number = latest + 1,
            Definition = PipelineDefinitionReader.ToJson(valid),
            CreatedAt = clock.GetUtcNow(),
        };
        db.PipelineVersions.Add(version);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException e)
        {
            throw ProblemException.Conflict($"pipeline '{valid.Name}' was saved by someone else at the same time; save again ({e.InnerException?.Message ?? e.Message})");
        }

        return version;
    }

    /// <summary>Starts the newest version (or the given one) of a saved pipeline; 409 when it already runs.</summary>
    public async Task<PipelineMetrics> StartAsync(string name, int? version, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "start a pipeline");
        var started = await host.StartAsync(name, version, cancellationToken).ConfigureAwait(false);
        await RecordStartAsync(name, version is null ? null : $"version {version}", cancellationToken).ConfigureAwait(false);
        return started;
    }

    /// <summary>Stops a running pipeline; 409 when it is not running.</summary>
    public Task<PipelineMetrics> StopAsync(string name)
    {
        caller.Require(Role.Editor, "stop a pipeline");
        return host.StopAsync(name);
    }

    /// <summary>Stops the pipeline if it runs and starts its newest version.</summary>
    public async Task<PipelineMetrics> RestartAsync(string name, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "restart a pipeline");
        var started = await host.RestartAsync(name, cancellationToken).ConfigureAwait(false);
        await RecordStartAsync(name, "restart", cancellationToken).ConfigureAwait(false);
        return started;
    }

    /// <summary>
    /// Builds a pipeline from a definition to run in this process, outside the host (<c>vf pipeline run</c>); the
    /// caller starts and disposes the runner.
    /// </summary>
    public async Task<PipelineRunner> BuildToRunHereAsync(PipelineDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        caller.Require(Role.Editor, "run a pipeline");
        var runner = await builder.BuildAsync(definition, 0, cancellationToken).ConfigureAwait(false);
        await RecordStartAsync(definition.Name, "run from a definition file, in the process that asked", cancellationToken).ConfigureAwait(false);
        return runner;
    }

    private Task RecordStartAsync(string name, string? detail, CancellationToken cancellationToken) =>
        audit.RecordAsync(AuditActions.PipelineStarted, caller.Name, name, detail, caller.Address, cancellationToken);

    /// <summary>The newest version of every pipeline, by name.</summary>
    public async Task<List<PipelineVersion>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await db.PipelineVersions.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
        return all.GroupBy(p => p.Name, StringComparer.Ordinal).Select(g => g.MaxBy(p => p.Number)!).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>A version of a pipeline (the newest when <paramref name="number"/> is null).</summary>
    public async Task<PipelineVersion> GetAsync(string name, int? number, CancellationToken cancellationToken)
    {
        var versions = db.PipelineVersions.AsNoTracking().Where(p => p.Name == name);
        var found = number is { } n
            ? await versions.SingleOrDefaultAsync(p => p.Number == n, cancellationToken).ConfigureAwait(false)
            : await versions.OrderByDescending(p => p.Number).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return found ?? throw ProblemException.NotFound(number is null
            ? $"pipeline '{name}' does not exist; 'vf pipeline list' or GET /api/pipelines lists the saved pipelines"
            : $"pipeline '{name}' has no version {number}");
    }

    public async Task<List<int>> VersionsAsync(string name, CancellationToken cancellationToken) =>
        await db.PipelineVersions.AsNoTracking().Where(p => p.Name == name).OrderBy(p => p.Number).Select(p => p.Number)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Stored results, newest first, older than <paramref name="before"/> when given (paging by id).</summary>
    public async Task<List<PipelineResult>> ResultsAsync(string name, long? before, long? after, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000)
        {
            throw ProblemException.Invalid($"limit must be between 1 and 1000, not {limit}");
        }

        var query = db.PipelineResults.AsNoTracking().Where(r => r.Pipeline == name);
        if (before is { } b)
        {
            query = query.Where(r => r.Id < b);
        }

        if (after is { } a)
        {
            query = query.Where(r => r.Id > a);
        }

        return await query.OrderByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<PipelineResult> ResultAsync(string name, long id, CancellationToken cancellationToken) =>
        await db.PipelineResults.AsNoTracking().SingleOrDefaultAsync(r => r.Pipeline == name && r.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"pipeline '{name}' has no result {id}");

    public async Task<List<PipelineAlert>> AlertsAsync(string name, int limit, CancellationToken cancellationToken) =>
        await db.PipelineAlerts.AsNoTracking().Where(a => a.Pipeline == name).OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 1000))
            .ToListAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Frames per top label per minute over the newest results (for the dashboard's chart).</summary>
    public async Task<List<LabelCount>> LabelCountsAsync(string name, int recent, CancellationToken cancellationToken)
    {
        var rows = await db.PipelineResults.AsNoTracking().Where(r => r.Pipeline == name).OrderByDescending(r => r.Id).Take(Math.Clamp(recent, 1, 20_000))
            .Select(r => new { r.CapturedAt, r.TopLabel }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => (Minute: new DateTimeOffset(r.CapturedAt.UtcTicks - (r.CapturedAt.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero), Label: r.TopLabel ?? "(none)"))
            .Select(g => new LabelCount(g.Key.Minute, g.Key.Label, g.Count()))
            .OrderBy(c => c.Minute).ThenBy(c => c.Label, StringComparer.Ordinal).ToList();
    }
}

/// <summary>How many frames had a label as their top label in one minute.</summary>
public sealed record LabelCount(DateTimeOffset Minute, string Label, int Frames);
