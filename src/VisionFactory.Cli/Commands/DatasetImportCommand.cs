using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Cli.Output;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Import.Formats;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Cli.Commands;

/// <summary>
/// <c>vf dataset import &lt;name&gt; &lt;source&gt;</c>: a folder, archive or standard format, web addresses, a remote
/// server (sftp:// ftp:// ftps://), a GeoTIFF scene or STAC API address cut into chips, or an image search (<c>--search</c>). Each import is recorded as an import job (as the
/// server's are): <c>vf import-jobs cancel</c> from another terminal or Ctrl+C here stops it, leaving nothing imported.
/// </summary>
internal static class DatasetImportCommand
{
    /// <summary>The remote server's password, when the address carries none.</summary>
    public const string PasswordVariable = "VF_REMOTE_PASSWORD";

    /// <summary>The passphrase of the private key given with --identity.</summary>
    public const string PassphraseVariable = "VF_REMOTE_KEY_PASSPHRASE";

    public static Command Create(GlobalOptions globals, bool interactive)
    {
        var name = new Argument<string>("name") { Description = "Dataset name (created if new; a new version otherwise)" };
        var source = new Argument<string?>("source")
        {
            Description = "A folder with one sub-folder per class, a .zip / .tar / .tar.gz of it, a CSV manifest, a COCO JSON, CIFAR-10 batches, " +
                          "MNIST idx files, a GeoTIFF scene, a STAC API address, or a remote folder: sftp://user@host:22/path, ftp://user@host/path, ftps://... (not needed with --search)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the train / validation / test split", DefaultValueFactory = _ => SplitPlan.Default.Seed };
        var format = new Option<string>("--format") { Description = "auto (default), imagefolder, csv, cifar10, mnist, coco, urls (image addresses) or pages (web pages)", DefaultValueFactory = _ => "auto" };
        var className = new Option<string?>("--class") { Description = "With --format urls|pages: the class of addresses listed without one; with --search: the class of the images found (default: the query); geo: the class of every chip when there are no --geo-labels" };
        var allowRange = new Option<string[]>("--allow-range") { Description = "With --format urls|pages or --search: an internal address range (CIDR) that may be fetched", AllowMultipleArgumentsPerToken = false };
        var search = new Option<string?>("--search") { Description = "Collect images found by an image search for this query (the key is read from Collect__Search__Key, the endpoint from Collect__Search__Endpoint)" };
        var count = new Option<int?>("--count") { Description = "With --search: how many images to collect (default 100)" };
        var publicId = new Option<string?>("--public") { Description = "Import a public dataset by id (cifar10, cifar100, mnist, fashion-mnist, hymenoptera; 'vf dataset public list') into a new dataset, keeping its own train / test split" };
        var mirror = new Option<string?>("--mirror") { Description = "With --public: a mirror's base address serving the same file names (default: Collect__Public__Mirror, else the official addresses)" };
        var identity = new Option<string?>("--identity") { Description = "With sftp://: a private key file (OpenSSH or PEM); its passphrase from $" + PassphraseVariable };
        var hostKey = new Option<string?>("--host-key") { Description = "With sftp://: the server's host key fingerprint, SHA256:... as 'ssh-keygen -lf' prints it; unknown keys are refused" };
        var acceptAny = new Option<bool>("--accept-any-host-key") { Description = "With sftp://: trust whatever host key the server shows (only on a network you trust)" };
        var command = new Command("import", "Import images (ImageFolder layout, a standard dataset format, web addresses, a remote server, GeoTIFF scenes cut into chips, or an image search) as a new dataset version")
        {
            name, source, seed, format, className, allowRange, search, count, publicId, mirror, identity, hostKey, acceptAny,
        };
        var geo = new CliGeoImport();
        geo.AddTo(command);
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive, ct, async cli =>
        {
            var datasetName = parse.GetValue(name)!;
            var sourcePath = parse.GetValue(source);
            var pool = parse.GetResult(geo.Unlabelled) is not null;
            if (pool && parse.GetValue(geo.Unlabelled) is { } poolValue && !geo.Requested(parse, sourcePath ?? poolValue, ImportFormats.Parse(parse.GetValue(format))))
            {
                // "--unlabelled <folder>": the option took the source as its value.
                if (poolValue is "skip" or "keep" || sourcePath is not null)
                {
                    throw ProblemException.Invalid($"--unlabelled takes no value here ('{poolValue}'): skip or keep apply to geo imports; write vf dataset import <name> <folder or zip> --unlabelled");
                }

                sourcePath = poolValue;
            }

            var query = parse.GetValue(search);
            var dataId = parse.GetValue(publicId);
            if (new[] { sourcePath, query, dataId }.Count(s => !string.IsNullOrWhiteSpace(s)) != 1)
            {
                throw ProblemException.Invalid("give what to import: a folder, file or remote address, --search \"query\" or --public <id> (one of them)");
            }

            var request = string.IsNullOrWhiteSpace(dataId)
                ? await RequestAsync(parse, sourcePath, query, (seed, format, className, allowRange, count, identity, hostKey, acceptAny), geo, ct).ConfigureAwait(false)
                : new ImportRequest
                {
                    Source = ImportSourceKind.Public,
                    Public = dataId,
                    Mirror = parse.GetValue(mirror),
                    AllowRanges = parse.GetValue(allowRange) ?? [],
                    Seed = parse.GetValue(seed),
                };
            if (pool && request.Kind != ImportSourceKind.Geo)
            {
                request = request with { Unlabelled = true };
            }

            await using var services = await cli.OpenServicesAsync(ct).ConfigureAwait(false);
            using var started = await services.GetRequiredService<ImportService>()
                .PrepareAsync(datasetName, request, "cli:" + Environment.UserName, ct).ConfigureAwait(false);
            var job = started.Job;
            if (cli.Interactive)
            {
                cli.Error.WriteLine($"import job {job.Id}: Ctrl+C, or 'vf import-jobs cancel {job.Id.ToString()[..8]}' elsewhere, stops it");
            }

            ImportJobOutcome outcome;
            if (cli.Interactive)
            {
                outcome = await cli.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("importing", maxValue: 1);
                        return await started.RunAsync(new ImmediateProgress<ImportProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                            task.Description = p.CurrentFile?.StartsWith("downloading ", StringComparison.Ordinal) == true && request.Kind == ImportSourceKind.Public
                                ? Markup.Escape(p.CurrentFile)
                                : p.CurrentFile?.StartsWith("downloading", StringComparison.Ordinal) == true
                                ? string.Create(CultureInfo.InvariantCulture, $"downloading {p.Done}/{p.Total} files")
                                : string.Create(CultureInfo.InvariantCulture, $"importing {p.Done}/{p.Total} files, {p.Skipped} skipped");
                        }), ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            else
            {
                outcome = await started.RunAsync(null, ct).ConfigureAwait(false);
            }

            if (outcome.Version is not { } version)
            {
                if (outcome.Failure is OperationCanceledException && !ct.IsCancellationRequested)
                {
                    // Cancelled from elsewhere (vf import-jobs cancel, the web UI): the same exit code as Ctrl+C.
                    if (cli.Json)
                    {
                        cli.WriteJson(new { error = outcome.Job.Error, kind = "cancelled", exit_code = 130, job = job.Id });
                    }

                    cli.Error.WriteLine("error: " + outcome.Job.Error);
                    return 130;
                }

                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(outcome.Failure ?? new InvalidOperationException(outcome.Job.Error)).Throw();
                return 1;
            }

            await using var scope = services.CreateAsyncScope();
            var summary = await scope.ServiceProvider.GetRequiredService<DatasetCatalog>()
                .SummarizeAsync(datasetName, version.Number, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(summary);
                return 0;
            }

            var import = summary.Import;
            cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                "Imported [bold]{0}[/] version {1}: {2} images in {3} classes ({4} files seen, {5} skipped, {6} identical files stored once)",
                Markup.Escape(datasetName), summary.Version, summary.Images, summary.Classes.Count, import.FilesSeen,
                import.Skipped.Count, import.Duplicates.Sum(d => d.Paths.Count - 1));
            if (summary.Unlabelled > 0)
            {
                cli.Console.MarkupLine(CultureInfo.InvariantCulture,
                    "{0} unlabelled images in the pool (never trained on until labelled: [bold]vf dataset label {1} <image> <class>[/])",
                    summary.Unlabelled, Markup.Escape(datasetName));
            }

            if (started.Note is { } note)
            {
                cli.Console.MarkupLine(Markup.Escape(note));
            }

            DatasetCommands.WriteClasses(cli.Console, summary);
            DatasetCommands.WriteFindings(cli.Console, summary.Import, limit: 10);
            return 0;
        }));
        return command;
    }

    /// <summary>The options as the one import request; the import service checks it and applies the settings.</summary>
    private static async Task<ImportRequest> RequestAsync(
        ParseResult parse,
        string? sourcePath,
        string? query,
        (Option<int> Seed, Option<string> Format, Option<string?> ClassName, Option<string[]> AllowRange, Option<int?> Count, Option<string?> Identity, Option<string?> HostKey, Option<bool> AcceptAny) o,
        CliGeoImport geo,
        CancellationToken cancellationToken)
    {
        var request = new ImportRequest
        {
            Format = parse.GetValue(o.Format),
            Class = parse.GetValue(o.ClassName),
            AllowRanges = parse.GetValue(o.AllowRange) ?? [],
            Seed = parse.GetValue(o.Seed),
        };
        if (!string.IsNullOrWhiteSpace(query))
        {
            return request with { Source = ImportSourceKind.Search, Search = query, Count = parse.GetValue(o.Count) };
        }

        if (RemoteAddress.IsRemote(sourcePath))
        {
            var keyFile = parse.GetValue(o.Identity);
            string? key = null;
            if (!string.IsNullOrEmpty(keyFile))
            {
                key = File.Exists(keyFile)
                    ? await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false)
                    : throw ProblemException.NotFound($"the private key file '{keyFile}' does not exist");
            }

            // A password in the address comes first; the environment's is for addresses without one.
            RemoteAddress.Parse(sourcePath!, out var inline);
            return request with
            {
                Source = ImportSourceKind.Remote,
                Remote = sourcePath,
                Password = inline is null ? Environment.GetEnvironmentVariable(PasswordVariable) : null,
                PrivateKey = key,
                PrivateKeyPassphrase = Environment.GetEnvironmentVariable(PassphraseVariable),
                HostKey = parse.GetValue(o.HostKey),
                AcceptAnyHostKey = parse.GetValue(o.AcceptAny),
            };
        }

        return geo.Requested(parse, sourcePath!, Datasets.Import.Formats.ImportFormats.Parse(request.Format))
            ? request with { Source = ImportSourceKind.Geo, Geo = geo.Request(parse, sourcePath!, request.Class) }
            : request with { Source = ImportSourceKind.Path, Path = sourcePath };
    }
}
