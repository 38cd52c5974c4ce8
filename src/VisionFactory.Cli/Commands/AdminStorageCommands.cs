using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Storage.Backup;
using VisionFactory.Storage.Maintenance;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf admin gc|backup|restore|check</c>: space, backups and integrity of the data directory and database.</summary>
public static class AdminStorageCommands
{
    /// <summary>The exit code of <c>vf admin check</c> when a blob is missing or damaged (the "damaged data" code).</summary>
    public const int CheckFailedExitCode = 5;

    public static void AddTo(Command admin, GlobalOptions globals, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.Add(CreateGc(globals, interactive));
        admin.Add(CreateBackup(globals, interactive));
        admin.Add(CreateRestore(globals, interactive));
        admin.Add(CreateCheck(globals, interactive));
    }

    private static Command CreateGc(GlobalOptions globals, bool interactive)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only report what would be deleted" };
        var grace = new Option<double>("--grace-minutes")
        {
            Description = "Keep unreferenced blobs younger than this many minutes (an import in flight has not committed them yet)",
            DefaultValueFactory = _ => BlobCollector.DefaultGrace.TotalMinutes,
        };
        var command = new Command("gc", "Delete blobs no dataset, model, weights or pipeline result refers to, and left-over upload staging") { dryRun, grace };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var minutes = parse.GetValue(grace);
            if (minutes < 0 || double.IsNaN(minutes))
            {
                throw ProblemException.Invalid("--grace-minutes must be 0 or more");
            }

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);

            // Jobs of processes that are gone no longer count as live, so their staging can go.
            await new ImportJobRunner(services.GetRequiredService<IServiceScopeFactory>()).RecoverAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<BlobCollector>()
                .CollectAsync(TimeSpan.FromMinutes(minutes), parse.GetValue(dryRun), ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(Describe(report));
                return 0;
            }

            cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(report.DryRun ? "Would delete" : "Deleted")} {report.BlobsDeleted} unreferenced blobs of {report.BlobsSeen} ({Megabytes(report.BytesFreed)}), " +
                $"and {report.StagingDeleted} left-over staging entries ({Megabytes(report.StagingBytes)}); " +
                $"kept {report.BlobsKeptYoung} unreferenced blobs younger than {minutes:0.#} minutes"));
            return 0;
        }));
        return command;
    }

    private static Command CreateBackup(GlobalOptions globals, bool interactive)
    {
        var file = new Argument<string>("file") { Description = "The backup file to write (a .zip)" };
        var command = new Command("backup", "Write a consistent backup of the instance (database snapshot, blobs, keys, model files) into one file") { file };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            // Brings an older database up to date first, so the backup restores into this version.
            await using (await cli.OpenServicesAsync(ct).ConfigureAwait(false))
            {
            }

            var target = parse.GetValue(file)!;
            var manifest = await new InstanceBackup(cli.Data).BackupAsync(target, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new { file = Path.GetFullPath(target), manifest });
                return 0;
            }

            cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Backed up the {manifest.Database} database, {manifest.Blobs} blobs ({Megabytes(manifest.BlobBytes)}), {manifest.KeyFiles} key files and {manifest.ModelFiles} model files to {Path.GetFullPath(target)}"));
            return 0;
        }));
        return command;
    }

    private static Command CreateRestore(GlobalOptions globals, bool interactive)
    {
        var file = new Argument<string>("file") { Description = "A backup written by vf admin backup" };
        var force = new Option<bool>("--force") { Description = "Replace the database, blobs and keys of an instance that is not empty" };
        var command = new Command("restore", "Restore a backup into an empty data directory and database (stop the server first)") { file, force };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var manifest = await new InstanceBackup(cli.Data).RestoreAsync(parse.GetValue(file)!, parse.GetValue(force), ct).ConfigureAwait(false);

            // A backup of an older version is brought up to date now rather than at the next start.
            await using (await cli.OpenServicesAsync(ct).ConfigureAwait(false))
            {
            }

            if (cli.Json)
            {
                cli.WriteJson(new { restored = true, data = cli.Data.Root, manifest });
                return 0;
            }

            cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Restored the backup of {manifest.CreatedAt:u} ({manifest.Blobs} blobs, {manifest.KeyFiles} key files) into {cli.Data.Root}"));
            return 0;
        }));
        return command;
    }

    private static Command CreateCheck(GlobalOptions globals, bool interactive)
    {
        var command = new Command("check", "Check that every blob a row refers to exists and matches its sha256; exit code 5 and a list when not");
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            await using var scope = services.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<IntegrityCheck>().RunAsync(null, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new
                {
                    ok = report.Ok,
                    blobs_checked = report.BlobsChecked,
                    references = report.References,
                    findings = report.Findings.Select(f => new { sha256 = f.Sha256, problem = f.Problem, referred_to_by = f.Owners }).ToList(),
                });
            }
            else
            {
                foreach (var finding in report.Findings)
                {
                    cli.Out.WriteLine($"{finding.Problem} {finding.Sha256}: {string.Join("; ", finding.Owners)}");
                }

                cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Checked {report.BlobsChecked} blobs ({report.References} references): {(report.Ok ? "all present and intact" : $"{report.Findings.Count} missing or damaged")}"));
            }

            if (report.Ok)
            {
                return 0;
            }

            cli.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"error: {report.Findings.Count} blobs are missing or damaged; restore them from a backup (vf admin backup / restore) or remove what refers to them"));
            return CheckFailedExitCode;
        }));
        return command;
    }

    private static object Describe(CollectionReport report) => new
    {
        dry_run = report.DryRun,
        blobs_seen = report.BlobsSeen,
        blobs_deleted = report.BlobsDeleted,
        bytes_freed = report.BytesFreed,
        blobs_kept_young = report.BlobsKeptYoung,
        staging_deleted = report.StagingDeleted,
        staging_bytes = report.StagingBytes,
    };

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.0} MB");
}
