using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Datasets.Collect.Geo.Stac;
using VisionFactory.Datasets.Collect.PublicData;
using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Datasets.Collect.Search;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Import.Formats;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Users;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Storage;
using VisionFactory.Storage.Database;

namespace VisionFactory.Datasets.Jobs;

/// <summary>
/// The front desk for imports, whichever door the request came from (the API, the Add data page, <c>vf dataset
/// import</c>): it checks the <see cref="ImportRequest"/> (bad input is a <see cref="ProblemException"/> before anything
/// is recorded), applies the host's settings (<see cref="ImportAccess"/> for folders and remote hosts, the bound
/// <c>Collect:*</c> options for the web, search and remote limits) and starts the import as a recorded job:
/// in the background for the server (<see cref="StartAsync"/>; its state from <see cref="ImportJobs"/>), or in the
/// caller's own process for the command line (<see cref="PrepareAsync"/>).
/// </summary>
public sealed class ImportService(
    ImportJobs jobs,
    IServiceScopeFactory scopes,
    DataDirectory data,
    ImageLimits limits,
    IOptions<ImportAccess> access,
    IOptionsMonitor<WebCollectOptions> web,
    IOptionsMonitor<ImageSearchOptions> search,
    IOptionsMonitor<RemotePullLimits> remote,
    IOptionsMonitor<PublicDatasetOptions> publicData)
{
    /// <summary>
    /// Starts the import in the background as <paramref name="caller"/> (who needs the editor role). A scene, a remote
    /// server's sign-in and folder are checked before the job starts, so that these mistakes come back at once.
    /// </summary>
    public async Task<ImportJobStatus> StartAsync(string dataset, ImportRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(dataset, request, foreground: false, cancellationToken).ConfigureAwait(false);
        return jobs.Start(dataset, plan.Description, plan.Work, plan.Cleanup, caller);
    }

    /// <summary>
    /// Starts importing files a door uploaded into <paramref name="staging"/> (taking it over: its files are deleted when
    /// the job ends, or at once when the upload is refused): images and archives of <paramref name="className"/>, or
    /// dataset files in <paramref name="format"/> (csv / coco zip, cifar10, mnist).
    /// </summary>
    public async Task<ImportJobStatus> StartUploadAsync(
        string dataset, UploadStaging staging, string? className, string? format, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staging);
        try
        {
            CheckName(dataset);
            var options = Options(null);
            var chosen = ImportFormats.Parse(format);
            var description = staging.Description;
            if (chosen is not (ImportFormat.Auto or ImportFormat.ImageFolder) || staging.FormatFiles > 0)
            {
                // Dataset files (CIFAR-10, MNIST) or a zip of a manifest and its images: imported in their format.
                var (path, detected) = await staging.CompleteFormatAsync(chosen, options.Archive, cancellationToken).ConfigureAwait(false);
                return jobs.Start(dataset, description, (services, progress, ct) =>
                    services.GetRequiredService<DatasetImporter>().ImportAsync(dataset, [path], description, options with { Format = detected }, progress, ct),
                    staging.Dispose, caller);
            }

            var sources = staging.Complete(className);
            return jobs.Start(dataset, description, (services, progress, ct) =>
                services.GetRequiredService<DatasetImporter>().ImportAsync(dataset, sources, description, options, progress, ct), staging.Dispose, caller);
        }
        catch
        {
            staging.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts cutting an uploaded scene (taking <paramref name="staging"/> over: its files are deleted when the job
    /// ends, or at once when the scene or the options are refused). The staged files are read without an
    /// <see cref="ImportAccess.Roots"/> check because the server wrote them itself.
    /// </summary>
    public ImportJobStatus StartGeoUpload(string dataset, GeoImportJobRequest body, GeoUploadStaging staging, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(staging);
        GeoSource? source = null;
        try
        {
            CheckName(dataset);
            var (_, labels) = staging.Complete();
            var options = GeoOptions(body, labels);
            source = staging.Open(options);
            var opened = source;
            var importOptions = Options(null);
            return jobs.Start(dataset, source.Description, (services, progress, ct) =>
                services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, opened, null, importOptions, progress, ct), () =>
                {
                    opened.Dispose();
                    staging.Dispose();
                }, caller);
        }
        catch
        {
            source?.Dispose();
            staging.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks the request and records its job for running in this process (the command line waits for it, showing
    /// progress); <see cref="ForegroundImport.RunAsync"/> runs it. Dispose the result when done.
    /// </summary>
    public async Task<ForegroundImport> PrepareAsync(string dataset, ImportRequest request, string startedBy, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(dataset, request, foreground: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var runner = new ImportJobRunner(scopes);
            var job = await runner.CreateAsync(dataset, plan.Description, startedBy, cancellationToken).ConfigureAwait(false);
            return new ForegroundImport(runner, job, plan);
        }
        catch
        {
            plan.Cleanup?.Invoke();
            throw;
        }
    }

    /// <summary>The job for <paramref name="request"/>: checked, with the host's settings applied, not yet started.</summary>
    internal async Task<ImportPlan> PlanAsync(string dataset, ImportRequest request, bool foreground, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckName(dataset);
        var options = Options(request);
        if (options.Unlabelled && request.Kind is ImportSourceKind.Geo or ImportSourceKind.Public)
        {
            throw ProblemException.Invalid(
                request.Kind == ImportSourceKind.Geo
                    ? "'unlabelled' as a pool import applies to folders, archives, web addresses and remote folders; a geo import labels its chips from polygons (its own 'unlabelled' is skip or keep)"
                    : "a public dataset comes with its labels: import it without 'unlabelled'");
        }

        return request.Kind switch
        {
            ImportSourceKind.Geo => await GeoAsync(dataset, request.Geo ?? throw ProblemException.Invalid("give the scene or STAC search to cut into chips"), options, WebFor(request), foreground, cancellationToken).ConfigureAwait(false),
            ImportSourceKind.Public => await PublicAsync(dataset, request, options, cancellationToken).ConfigureAwait(false),
            ImportSourceKind.Remote => await RemoteAsync(dataset, request, options, foreground, cancellationToken).ConfigureAwait(false),
            ImportSourceKind.Search => Search(dataset, request, options),
            ImportSourceKind.Web => Web(dataset, Items(request), $"web: {request.Urls?.Count ?? 0} image addresses, {request.Pages?.Count ?? 0} pages", request, options),
            _ => await PathAsync(dataset, request, options, cancellationToken).ConfigureAwait(false),
        };
    }

    private static void CheckName(string dataset)
    {
        if (DatasetName.Validate(dataset) is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }
    }

    private ImportOptions Options(ImportRequest? request) => ImportOptions.Default with
    {
        Limits = limits,
        Format = ImportFormats.Parse(request?.Format),
        Split = request?.Seed is { } seed ? ImportOptions.Default.Split with { Seed = seed } : ImportOptions.Default.Split,
        Unlabelled = request?.Unlabelled == true,
    };

    private async Task<ImportPlan> PathAsync(string dataset, ImportRequest request, ImportOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Path))
        {
            throw ProblemException.Invalid("give 'path' (a folder or file on the server), or 'urls' / 'pages' with web addresses");
        }

        if (WebImport.IsWeb(options.Format))
        {
            // An address, or a file listing addresses: imported like 'urls' / 'pages'.
            var list = IsWebAddress(request.Path) ? request.Path : Local(request.Path);
            var items = await WebImport.ItemsAsync(list, options.Format, Class(request.Class), cancellationToken).ConfigureAwait(false);
            return Web(dataset, items, $"web: {items.Count} address{(items.Count == 1 ? "" : "es")}", request, options);
        }

        var path = access.Value.AnyLocalPath ? Path.GetFullPath(request.Path) : Local(request.Path);
        if (!access.Value.AnyLocalPath && !File.Exists(path) && !Directory.Exists(path))
        {
            throw ProblemException.NotFound($"'{request.Path}' does not exist");
        }

        return new ImportPlan(path, (services, progress, ct) =>
            services.GetRequiredService<DatasetImporter>().ImportAsync(dataset, path, options, progress, ct));
    }

    private static List<WebItem> Items(ImportRequest request)
    {
        var className = Class(request.Class);
        return
        [
            .. UrlSource.ParseList(string.Join('\n', request.Urls ?? []), className, pages: false),
            .. UrlSource.ParseList(string.Join('\n', request.Pages ?? []), className, pages: true),
        ];
    }

    private ImportPlan Web(string dataset, List<WebItem> items, string description, ImportRequest request, ImportOptions options)
    {
        if (items.Count == 0)
        {
            throw ProblemException.Invalid("type at least one address");
        }

        var settings = WebFor(request);
        return new ImportPlan(description, async (services, progress, ct) =>
        {
            using var fetcher = new WebFetcher(settings);
            using var source = await UrlSource.OpenAsync(items, fetcher, ct).ConfigureAwait(false);
            return await services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, options, progress, ct).ConfigureAwait(false);
        });
    }

    private ImportPlan Search(string dataset, ImportRequest request, ImportOptions options)
    {
        var settings = Setting(search);
        if (string.IsNullOrWhiteSpace(settings.Key))
        {
            throw ProblemException.Invalid("image search is not set up: " + access.Value.SearchKeyHint);
        }

        var query = ImageSearchImport.Create(request.Search, request.Class, request.Count);
        var webSettings = WebFor(request);
        return new ImportPlan(query.Description, (services, progress, ct) =>
            query.ImportAsync(services.GetRequiredService<DatasetImporter>(), dataset, settings, webSettings, options, progress, ct));
    }

    /// <summary>The public datasets this host can import (the built-in catalogue and the administrator's entries).</summary>
    public PublicDatasetCatalog PublicCatalog() => PublicDatasetCatalog.Load(Setting(publicData).CatalogFile);

    // A public dataset becomes a new dataset (its own split is the whole of it), so an existing name is refused at once;
    // the download, the check of its digest and the import run in the job.
    private async Task<ImportPlan> PublicAsync(string dataset, ImportRequest request, ImportOptions options, CancellationToken cancellationToken)
    {
        var settings = Setting(publicData);
        var entry = PublicDatasetCatalog.Load(settings.CatalogFile).Find(request.Public);
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VisionFactoryDb>();
            if (await db.Datasets.AnyAsync(d => d.Name == dataset, cancellationToken).ConfigureAwait(false))
            {
                throw ProblemException.Conflict(
                    $"the dataset '{dataset}' exists: a public dataset is imported into a new dataset, with its own train / test split; choose another name");
            }
        }

        var import = await PublicDatasetImport.CreateAsync(
            entry, string.IsNullOrWhiteSpace(request.Mirror) ? settings.Mirror : request.Mirror, settings, WebFor(request), data.CachePath, data.TempPath, cancellationToken)
            .ConfigureAwait(false);
        return new ImportPlan(import.Description, (services, progress, ct) =>
            import.ImportAsync(services.GetRequiredService<DatasetImporter>(), dataset, options, progress, ct));
    }

    // In the background, the connection, sign-in, host key and folder are checked before the job starts, so that these
    // errors come back at once as problems rather than as a failed job; in the foreground the job reports them.
    private async Task<ImportPlan> RemoteAsync(string dataset, ImportRequest request, ImportOptions options, bool foreground, CancellationToken cancellationToken)
    {
        var address = RemoteAddress.Parse(request.Remote ?? "", out var inline);
        var credentials = new RemoteCredentials(
            string.IsNullOrEmpty(request.Password) ? inline : request.Password,
            string.IsNullOrWhiteSpace(request.PrivateKey) ? null : request.PrivateKey,
            request.PrivateKeyPassphrase,
            request.HostKey,
            request.AcceptAnyHostKey ?? false);
        var configured = Setting(remote);
        var pull = configured with { MaxFileBytes = options.Limits.MaxFileBytes, PublicHostsOnly = access.Value.PublicRemoteHostsOnly || configured.PublicHostsOnly };
        var temp = data.TempPath;
        if (!foreground)
        {
            await RemoteImport.CheckAsync(address, credentials, temp, pull, cancellationToken).ConfigureAwait(false);
        }

        return new ImportPlan(address.Display, (services, progress, ct) =>
            RemoteImport.ImportAsync(services.GetRequiredService<DatasetImporter>(), dataset, address, credentials, temp, pull, options, progress, ct));
    }

    // A scene on the server (or, for the command line, any scene and any STAC search) is opened before the job: a scene
    // the options do not fit is refused at once. A server's STAC search and its downloads run inside the job.
    private async Task<ImportPlan> GeoAsync(
        string dataset, GeoImportJobRequest body, ImportOptions options, WebCollectOptions webSettings, bool foreground, CancellationToken cancellationToken)
    {
        var geo = GeoOptions(body, string.IsNullOrWhiteSpace(body.LabelsPath) ? null : Local(body.LabelsPath));
        if (!string.IsNullOrWhiteSpace(body.Path))
        {
            var source = GeoSource.Open([Local(body.Path)], geo);
            return Opened(dataset, source, options);
        }

        if (string.IsNullOrWhiteSpace(body.Stac))
        {
            throw ProblemException.Invalid("give 'path' (a GeoTIFF scene on the server) or 'stac' (a STAC API address)");
        }

        if (!Uri.TryCreate(body.Stac.Trim(), UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
        {
            throw ProblemException.Invalid($"'{body.Stac}' is not an http(s) STAC API address");
        }

        var stac = new StacSearch
        {
            Collections = body.Collections ?? [],
            Bbox = body.Bbox,
            Datetime = body.Datetime,
            MaxCloudCover = body.MaxCloud,
            Assets = body.Assets ?? [],
            MaxItems = body.Scenes ?? 1,
        };
        if (stac.Validate() is { } searchProblem)
        {
            throw ProblemException.Invalid(searchProblem);
        }

        if (geo.LabelsPath is { } labels)
        {
            // Read now, so a labels file without the property is refused before anything is downloaded.
            GeoLabels.Load(labels, geo.LabelProperty, geo.LabelsCrs is { } crs ? GeoCrs.Parse(crs) : null);
        }

        var temp = data.TempPath;
        Directory.CreateDirectory(temp);
        if (foreground)
        {
            var found = await GeoImport.OpenAsync([body.Stac.Trim()], geo, stac, webSettings, temp, cancellationToken).ConfigureAwait(false);
            return Opened(dataset, found, options);
        }

        return new ImportPlan($"STAC: {api}", async (services, progress, ct) =>
        {
            using var source = await GeoImport.OpenAsync([api.ToString()], geo, stac, webSettings, temp, ct).ConfigureAwait(false);
            return await services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, options, progress, ct).ConfigureAwait(false);
        });
    }

    private static ImportPlan Opened(string dataset, GeoSource source, ImportOptions options) =>
        new(source.Description, (services, progress, ct) =>
            services.GetRequiredService<DatasetImporter>().ImportFromAsync(dataset, source, null, options, progress, ct), source.Dispose)
        {
            Note = Describe(source),
        };

    /// <summary>One line on how the scenes were cut, for the summary.</summary>
    private static string Describe(GeoSource source) =>
        string.Join("; ", source.Scenes.Zip(source.Chippers).Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.First.Name}: {s.First.Width}x{s.First.Height} px, {s.First.Crs?.Name ?? "no CRS"}, bands {string.Join(",", s.Second.BandNumbers)} " +
            $"stretched {string.Join(" / ", s.Second.Stretches.Select(t => $"{t.Low:0.###}..{t.High:0.###}"))}")));

    private static GeoImportOptions GeoOptions(GeoImportJobRequest body, string? labelsPath)
    {
        var unlabelled = body.Unlabelled?.Trim().ToLowerInvariant() ?? "skip";
        if (unlabelled is not ("skip" or "keep"))
        {
            throw ProblemException.Invalid($"'unlabelled' is skip or keep, not '{body.Unlabelled}'");
        }

        var options = new GeoImportOptions
        {
            Chips = (GeoChipOptions.Default with
            {
                Size = body.Chip ?? GeoChipOptions.Default.Size,
                Stride = body.Stride,
                KeepPartial = body.KeepPartial ?? false,
                Bands = body.Bands,
                NoData = body.Nodata,
                MaxNoData = body.MaxNodata ?? GeoChipOptions.Default.MaxNoData,
            }).WithStretch(body.Stretch),
            LabelsPath = labelsPath,
            LabelProperty = string.IsNullOrWhiteSpace(body.LabelProperty) ? "class" : body.LabelProperty.Trim(),
            LabelsCrs = body.LabelsCrs,
            MinOverlap = body.MinOverlap ?? 0.5,
            KeepUnlabelled = unlabelled == "keep",
            Class = Class(body.Class),
        };
        options.Check();
        return options;
    }

    /// <summary>A path the caller may import from: any for the command line, else inside the allowed roots.</summary>
    private string Local(string path) => access.Value.AnyLocalPath ? path : new ImportRoots(access.Value.Roots).Check(path);

    private static bool IsWebAddress(string path) =>
        path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static string? Class(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Trim();

    /// <summary>The web settings, with the internal ranges the command line's user allowed for this import.</summary>
    private WebCollectOptions WebFor(ImportRequest request)
    {
        var settings = Setting(web);
        return request.AllowRanges is { Count: > 0 } extra ? settings with { AllowedRanges = [.. settings.AllowedRanges, .. extra] } : settings;
    }

    // A bad setting is a problem naming it (as the host's start-up check would say), not an unexplained failure.
    private static T Setting<T>(IOptionsMonitor<T> monitor)
    {
        try
        {
            return monitor.CurrentValue;
        }
        catch (OptionsValidationException e)
        {
            throw ProblemException.Invalid(string.Join("; ", e.Failures));
        }
    }
}

/// <summary>What an import does once started: a description for its record, the work, and what to release when it ends.</summary>
internal sealed record ImportPlan(string Description, ImportJobs.ImportWork Work, Action? Cleanup = null)
{
    /// <summary>A line for the summary (a geo import's bands and stretch).</summary>
    public string? Note { get; init; }
}

/// <summary>An import recorded as a job and run in this process (the command line): <see cref="RunAsync"/> once, then dispose.</summary>
public sealed class ForegroundImport : IDisposable
{
    private readonly ImportJobRunner runner;
    private readonly ImportPlan plan;

    internal ForegroundImport(ImportJobRunner runner, ImportJob job, ImportPlan plan)
    {
        this.runner = runner;
        this.plan = plan;
        Job = job;
    }

    /// <summary>The job's record as created (queued).</summary>
    public ImportJob Job { get; }

    /// <summary>A line for the summary (a geo import's bands and stretch), or null.</summary>
    public string? Note => plan.Note;

    /// <summary>Runs the job: <paramref name="cancellationToken"/> (Ctrl+C) or a cancel from elsewhere stops it, leaving nothing imported.</summary>
    public Task<ImportJobOutcome> RunAsync(IProgress<ImportProgress>? progress, CancellationToken cancellationToken) =>
        runner.RunAsync(Job.Id, (s, p, c) => plan.Work(s, p, c), progress, cancellationToken, CancellationToken.None);

    public void Dispose() => plan.Cleanup?.Invoke();
}
