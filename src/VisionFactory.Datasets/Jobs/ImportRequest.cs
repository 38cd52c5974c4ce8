using System.Text.Json.Serialization;

namespace VisionFactory.Datasets.Jobs;

/// <summary>
/// An import to run, whatever its source: the one request of every door. <c>POST /api/datasets/{name}/import-jobs</c>
/// binds it from JSON (and <c>.../import-jobs/geo</c> binds its <see cref="Geo"/> part), <c>vf dataset import</c> builds
/// it from its options and the Add data page from its form; <see cref="ImportService"/> checks it, applies the host's
/// settings and starts the job. Which source it names is <see cref="Kind"/>. A new import option is a property here
/// and its use in <see cref="ImportService"/>; the API binds it with no further code.
/// </summary>
public sealed record ImportRequest
{
    /// <summary>A folder or file on the server (inside Server:ImportRoots), or for the command line any local path.</summary>
    public string? Path { get; init; }

    /// <summary>auto (default), imagefolder, csv, cifar10, mnist or coco; urls or pages make <see cref="Path"/> a list of addresses.</summary>
    public string? Format { get; init; }

    /// <summary>Image addresses, each 'url' or 'class,url'.</summary>
    public IReadOnlyList<string>? Urls { get; init; }

    /// <summary>Web page addresses whose images are collected, each 'url' or 'class,url'.</summary>
    public IReadOnlyList<string>? Pages { get; init; }

    /// <summary>The class of addresses given without one (for a search: the class of its images, by default the query).</summary>
    public string? Class { get; init; }

    /// <summary>An image search query (needs Collect:Search:Key); its results are downloaded like image addresses.</summary>
    public string? Search { get; init; }

    /// <summary>How many search results to collect (default 100).</summary>
    public int? Count { get; init; }

    /// <summary>
    /// A public dataset of the catalogue by id (cifar10, cifar100, mnist, fashion-mnist, hymenoptera, or an administrator's
    /// entry): downloaded, verified and imported into a new dataset with its own train / test split.
    /// </summary>
    public string? Public { get; init; }

    /// <summary>
    /// For <see cref="Public"/>: a mirror's base address replacing Collect:Public:Mirror. Never bound from JSON: only the
    /// command line sets it (<c>--mirror</c>), for its own user; the server uses the administrator's setting.
    /// </summary>
    [JsonIgnore]
    public string? Mirror { get; init; }

    /// <summary>A folder on a remote server in the ImageFolder layout: sftp://user@host:port/path, ftp://... or ftps://...</summary>
    public string? Remote { get; init; }

    /// <summary>The remote server's password (never stored; the job keeps the address without it).</summary>
    public string? Password { get; init; }

    /// <summary>For SFTP: an OpenSSH or PEM private key (its text).</summary>
    public string? PrivateKey { get; init; }

    /// <summary>The private key's passphrase.</summary>
    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>For SFTP: the server's host key fingerprint, SHA256:... as ssh-keygen -lf prints it; unknown keys are refused.</summary>
    public string? HostKey { get; init; }

    /// <summary>For SFTP: trust any host key (only on a network you trust).</summary>
    public bool? AcceptAnyHostKey { get; init; }

    /// <summary>
    /// True: the images join the dataset's pool without a class (folders are not read as classes, a 'class,url' line's
    /// class is ignored); they are never trained or evaluated on until labelled (<c>vf dataset label</c>,
    /// <c>POST /api/datasets/{name}/labels</c>).
    /// </summary>
    public bool? Unlabelled { get; init; }

    /// <summary>The seed of the new version's train / validation / test split (default 42).</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Internal address ranges (CIDR) that web and STAC downloads may reach besides the configured ones. Never bound from
    /// JSON: only the command line sets it, for its own user's network (<c>--allow-range</c>).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string>? AllowRanges { get; init; }

    /// <summary>A GeoTIFF scene or STAC search cut into chips. Bound by its own route, <c>.../import-jobs/geo</c>.</summary>
    [JsonIgnore]
    public GeoImportJobRequest? Geo { get; init; }

    /// <summary>The source, when a form or the command line chose it; in JSON it follows from the fields given.</summary>
    [JsonIgnore]
    public ImportSourceKind? Source { get; init; }

    /// <summary>The source this request names: <see cref="Source"/>, else the first given of geo, public, remote, search, addresses, path.</summary>
    [JsonIgnore]
    public ImportSourceKind Kind =>
        Source ?? (Geo is not null ? ImportSourceKind.Geo
        : !string.IsNullOrWhiteSpace(Public) ? ImportSourceKind.Public
        : !string.IsNullOrWhiteSpace(Remote) ? ImportSourceKind.Remote
        : !string.IsNullOrWhiteSpace(Search) ? ImportSourceKind.Search
        : Urls is { Count: > 0 } || Pages is { Count: > 0 } ? ImportSourceKind.Web
        : ImportSourceKind.Path);
}

/// <summary>Where an <see cref="ImportRequest"/> reads from.</summary>
public enum ImportSourceKind
{
    /// <summary>A folder, archive or dataset file (or, with format urls / pages, a list of addresses).</summary>
    Path,

    /// <summary>Image or web page addresses.</summary>
    Web,

    /// <summary>The results of an image search.</summary>
    Search,

    /// <summary>A folder on an SFTP / FTP / FTPS server.</summary>
    Remote,

    /// <summary>A GeoTIFF scene or the scenes a STAC search finds, cut into chips.</summary>
    Geo,

    /// <summary>A public dataset of the catalogue, downloaded and verified.</summary>
    Public,
}

/// <summary>What a geo import job cuts and how; names follow <c>vf dataset import</c>'s options.</summary>
/// <param name="Path">A GeoTIFF scene on the server (inside Server:ImportRoots).</param>
/// <param name="Stac">A STAC API address (its /search is used), instead of a path.</param>
/// <param name="LabelsPath">A GeoJSON or shapefile of labelled polygons on the server (inside Server:ImportRoots).</param>
/// <param name="LabelProperty">The polygon property naming the class (default 'class').</param>
/// <param name="LabelsCrs">The labels' CRS when the file does not say (e.g. EPSG:32632).</param>
/// <param name="MinOverlap">Least share of a chip a class must cover (default 0.5).</param>
/// <param name="Unlabelled">skip (default) or keep chips no class covers enough.</param>
/// <param name="Class">The class of every chip when there are no labels.</param>
/// <param name="Chip">Chip side in pixels (default 256).</param>
/// <param name="Stride">Step between chips (default: the chip side).</param>
/// <param name="KeepPartial">Keep chips running over the scene's edge.</param>
/// <param name="Bands">Bands shown as red, green, blue, from 1 (e.g. [4,3,2]).</param>
/// <param name="Stretch">Percentiles mapped to 0 and 255 ("2,98", the default) or "none".</param>
/// <param name="Nodata">The no-data value (default: the file's GDAL_NODATA tag).</param>
/// <param name="MaxNodata">Chips with a larger share of no-data pixels are skipped (default 0.5).</param>
/// <param name="Collections">STAC collections to search.</param>
/// <param name="Bbox">STAC: west, south, east, north in degrees.</param>
/// <param name="Datetime">STAC: an instant or interval.</param>
/// <param name="MaxCloud">STAC: most cloud cover in percent.</param>
/// <param name="Assets">STAC: assets by key or band name, in band order (default: visual).</param>
/// <param name="Scenes">STAC: how many scenes to import (default 1).</param>
public sealed record GeoImportJobRequest(
    string? Path = null,
    string? Stac = null,
    string? LabelsPath = null,
    string? LabelProperty = null,
    string? LabelsCrs = null,
    double? MinOverlap = null,
    string? Unlabelled = null,
    string? Class = null,
    int? Chip = null,
    int? Stride = null,
    bool? KeepPartial = null,
    IReadOnlyList<int>? Bands = null,
    string? Stretch = null,
    double? Nodata = null,
    double? MaxNodata = null,
    IReadOnlyList<string>? Collections = null,
    IReadOnlyList<double>? Bbox = null,
    string? Datetime = null,
    double? MaxCloud = null,
    IReadOnlyList<string>? Assets = null,
    int? Scenes = null);
