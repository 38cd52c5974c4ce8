using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf import-jobs list|show|cancel</c>: the import jobs recorded in the data directory (by servers and by <c>vf dataset import</c>).</summary>
public static class ImportJobsCommands
{
    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var command = new Command("import-jobs", "List, show and cancel import jobs (those of the server and of 'vf dataset import')");
        command.Add(CreateList(globals, interactive));
        command.Add(CreateShow(globals, interactive));
        command.Add(CreateCancel(globals, interactive));
        return command;
    }

    public static object Describe(ImportJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new
        {
            id = job.Id,
            dataset = job.Dataset,
            source = job.Source,
            state = job.State,
            done = job.Done,
            total = job.Total,
            skipped = job.Skipped,
            version = job.Version,
            imported = job.Imported,
            duplicates = job.Duplicates,
            skipped_files = job.SkippedFiles,
            error = job.Error,
            started_by = job.StartedBy,
            cancel_requested = job.CancelRequested,
            created_at = job.CreatedAt,
            started_at = job.StartedAt,
            finished_at = job.FinishedAt,
        };
    }

    private static Command CreateList(GlobalOptions globals, bool interactive)
    {
        var dataset = new Option<string?>("--dataset") { Description = "Only the jobs of this dataset" };
        var take = new Option<int>("--take") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List import jobs, newest first") { dataset, take };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var runner = await OpenAsync(cli, ct).ConfigureAwait(false);
            await using var services = runner.Services;
            var jobs = await runner.Jobs.ListAsync(parse.GetValue(dataset), parse.GetValue(take), ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new { jobs = jobs.Select(Describe).ToList() });
                return 0;
            }

            if (jobs.Count == 0)
            {
                cli.Console.MarkupLine("No import jobs yet: import with [bold]vf dataset import <name> <folder>[/]");
                return 0;
            }

            var table = new Table().AddColumn("job").AddColumn("dataset").AddColumn("state").AddColumn(new TableColumn("files").RightAligned())
                .AddColumn(new TableColumn("imported").RightAligned()).AddColumn(new TableColumn("skipped").RightAligned())
                .AddColumn("version").AddColumn("source").AddColumn("by").AddColumn("created");
            foreach (var job in jobs)
            {
                table.AddRow(job.Id.ToString()[..8], Markup.Escape(job.Dataset), State(job), string.Create(CultureInfo.InvariantCulture, $"{job.Done}/{job.Total}"),
                    job.Imported?.ToString(CultureInfo.InvariantCulture) ?? "-", job.Skipped.ToString(CultureInfo.InvariantCulture),
                    job.Version?.ToString(CultureInfo.InvariantCulture) ?? "-", Markup.Escape(job.Source), Markup.Escape(job.StartedBy ?? "-"),
                    job.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command CreateShow(GlobalOptions globals, bool interactive)
    {
        var id = new Argument<string>("job") { Description = "Job id (or its first 8 characters)" };
        var command = new Command("show", "Show an import job: state, progress, summary and the files it skipped with the reasons") { id };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var runner = await OpenAsync(cli, ct).ConfigureAwait(false);
            await using var services = runner.Services;
            var job = await ResolveAsync(runner.Jobs, parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(Describe(job));
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "Import job [bold]{0}[/] into [bold]{1}[/]: {2}", job.Id, Markup.Escape(job.Dataset), State(job));
            cli.Console.MarkupLine("source: " + Markup.Escape(job.Source));
            cli.Console.MarkupLine(CultureInfo.InvariantCulture, "{0} of {1} files checked, {2} skipped; started by {3} at {4:u}",
                job.Done, job.Total, job.Skipped, Markup.Escape(job.StartedBy ?? "-"), job.StartedAt ?? job.CreatedAt);
            if (job.Version is { } version)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture, "version {0}: {1} images imported, {2} identical files stored once", version, job.Imported ?? 0, job.Duplicates ?? 0);
            }

            if (job.Error is { } error)
            {
                cli.Console.MarkupLine("[red]" + Markup.Escape(error) + "[/]");
            }

            foreach (var skipped in job.SkippedFiles.Take(20))
            {
                cli.Console.MarkupLine("  " + Markup.Escape(skipped.Path) + ": " + Markup.Escape(skipped.Reason));
            }

            return 0;
        }));
        return command;
    }

    private static Command CreateCancel(GlobalOptions globals, bool interactive)
    {
        var id = new Argument<string>("job") { Description = "Job id (or its first 8 characters)" };
        var command = new Command("cancel", "Cancel a queued or running import job (of a server or of another 'vf dataset import'); nothing it read is kept") { id };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var runner = await OpenAsync(cli, ct).ConfigureAwait(false);
            await using var services = runner.Services;
            var job = await ResolveAsync(runner.Jobs, parse.GetValue(id)!, ct).ConfigureAwait(false);
            job = await runner.Jobs.CancelAsync(job.Id, "cli:" + Environment.UserName, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(Describe(job));
                return 0;
            }

            cli.Console.MarkupLine(CultureInfo.InvariantCulture, job.State == ImportJobState.Cancelled
                ? "Import job [bold]{0}[/] cancelled; nothing was imported"
                : "Import job [bold]{0}[/] will stop within a second; nothing it read is kept", job.Id);
            return 0;
        }));
        return command;
    }

    private static async Task<(ServiceProvider Services, ImportJobRunner Jobs)> OpenAsync(CliContext cli, CancellationToken cancellationToken)
    {
        var services = await cli.OpenServicesAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new ImportJobRunner(services.GetRequiredService<IServiceScopeFactory>());

        // Jobs left running by a process that is gone (a server or another command killed mid-import) are shown as such.
        await jobs.RecoverAsync(cancellationToken).ConfigureAwait(false);
        return (services, jobs);
    }

    private static async Task<ImportJob> ResolveAsync(ImportJobRunner jobs, string id, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(id, out var guid))
        {
            return await jobs.GetAsync(guid, cancellationToken).ConfigureAwait(false);
        }

        if (id.Length < 4)
        {
            throw ProblemException.Invalid($"'{id}' is not an import job id: give the id, or at least its first 4 characters (vf import-jobs list)");
        }

        var matches = (await jobs.ListAsync(null, 1000, cancellationToken).ConfigureAwait(false))
            .Where(j => j.Id.ToString().StartsWith(id, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw ProblemException.NotFound($"no import job starts with '{id}' (vf import-jobs list shows them)"),
            _ => throw ProblemException.Invalid($"'{id}' starts {matches.Count} import job ids: give more of it"),
        };
    }

    private static string State(ImportJob job) => job.State switch
    {
        ImportJobState.Succeeded => "[green]succeeded[/]",
        ImportJobState.Failed or ImportJobState.Interrupted => "[red]" + job.State.ToString().ToLowerInvariant() + "[/]",
        ImportJobState.Cancelled => "[yellow]cancelled[/]",
        _ => job.State.ToString().ToLowerInvariant() + (job.CancelRequested ? " (cancelling)" : ""),
    };
}
