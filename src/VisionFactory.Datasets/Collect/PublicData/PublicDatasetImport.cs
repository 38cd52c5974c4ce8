using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Import.Formats;
using VisionFactory.Domain;
using VisionFactory.Domain.Datasets;

namespace VisionFactory.Datasets.Collect.PublicData;

/// <summary>
/// Imports a catalogued public dataset: downloads its files through the guarded web fetcher (from the official
/// addresses, or from the administrator's mirror under the same names), resuming a part left by an interrupted attempt,
/// holding each file to the size cap, verifying its digest (a mismatch deletes the file and stores nothing), then reads
/// it with the dataset's format reader into a new version that keeps the dataset's own train / test split.
/// Verified files are removed once the import has stored the images; parts stay in
/// <c>&lt;data&gt;/cache/public/&lt;id&gt;/</c> for the next attempt.
/// </summary>
public sealed class PublicDatasetImport
{
    private readonly PublicDataset entry;
    private readonly Uri? mirror;
    private readonly PublicDatasetOptions settings;
    private readonly WebCollectOptions web;
    private readonly string downloads;
    private readonly string temp;

    private PublicDatasetImport(PublicDataset entry, Uri? mirror, PublicDatasetOptions settings, WebCollectOptions web, string downloads, string temp)
    {
        this.entry = entry;
        this.mirror = mirror;
        this.settings = settings;
        this.web = web;
        this.downloads = downloads;
        this.temp = temp;
    }

    /// <summary>The import of <paramref name="entry"/>; <paramref name="mirror"/> (when set) replaces the official addresses and is trusted.</summary>
    public static async Task<PublicDatasetImport> CreateAsync(
        PublicDataset entry, string? mirror, PublicDatasetOptions settings, WebCollectOptions web, string cachePath, string tempPath,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(web);

        // A catalogued file is a documented download address that a person asked for, not a page being crawled: robots.txt
        // (which is for crawlers) is not consulted. Everything else of the guard stays: internal addresses, deadline, cap.
        web = web with { RespectRobotsTxt = false };
        Uri? mirrorUri = null;
        if (!string.IsNullOrWhiteSpace(mirror))
        {
            if (!Uri.TryCreate(mirror.Trim().TrimEnd('/') + "/", UriKind.Absolute, out mirrorUri) || mirrorUri.Scheme is not ("http" or "https"))
            {
                throw ProblemException.Invalid($"the mirror '{mirror}' is not an http(s) base address");
            }

            // The administrator chose this server: its addresses are allowed even when internal.
            web = web with { AllowedRanges = [.. web.AllowedRanges, .. await RangesOfAsync(mirrorUri.Host, cancellationToken).ConfigureAwait(false)] };
        }

        return new PublicDatasetImport(entry, mirrorUri, settings, web, Path.Combine(cachePath, "public", entry.Id), tempPath);
    }

    /// <summary>What the job and the version's history show as the source.</summary>
    public string Description =>
        $"public dataset {entry.Id} ({entry.Title}) from {(mirror is null ? "its official address" : "the mirror " + mirror)}" +
        (entry.Verified ? "" : ", unverified: no digest is published");

    /// <summary>Where <paramref name="file"/> is downloaded from.</summary>
    public Uri AddressOf(PublicFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return mirror is null ? new Uri(file.Url) : new Uri(mirror, Uri.EscapeDataString(file.Name));
    }

    /// <summary>Downloads, verifies and imports the dataset as version 1 of <paramref name="dataset"/>.</summary>
    public async Task<DatasetVersion> ImportAsync(
        DatasetImporter importer, string dataset, ImportOptions options, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(importer);
        ArgumentNullException.ThrowIfNull(options);
        var files = await DownloadAsync(progress, cancellationToken).ConfigureAwait(false);
        var work = Path.Combine(temp, $"public-{entry.Id}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            using var source = Open(files, work, options.Archive);
            var version = await importer.ImportFromAsync(dataset, source, Description, options, progress, cancellationToken).ConfigureAwait(false);
            foreach (var file in files.Values)
            {
                File.Delete(file);
            }

            return version;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every file of the dataset downloaded and verified: file name to path.</summary>
    public async Task<Dictionary<string, string>> DownloadAsync(IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(downloads);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        using var fetcher = new WebFetcher(web);
        for (var i = 0; i < entry.Files.Count; i++)
        {
            var file = entry.Files[i];
            var path = Path.Combine(downloads, file.Name);
            var part = path + ".part";
            var done = i;
            if (!File.Exists(path))
            {
                var cap = Math.Min(settings.MaxBytes, file.Bytes ?? long.MaxValue);
                var address = AddressOf(file);
                progress?.Report(new ImportProgress(done, entry.Files.Count, 0, $"downloading {file.Name}"));
                var bytes = new Progress<long>(n => progress?.Report(new ImportProgress(done, entry.Files.Count, 0,
                    string.Create(CultureInfo.InvariantCulture, $"downloading {file.Name}: {n / 1048576.0:0.0} MiB"))));
                try
                {
                    await fetcher.DownloadResumableAsync(address, part, cap, settings.Timeout, bytes, cancellationToken).ConfigureAwait(false);
                }
                catch (WebFetchException e)
                {
                    throw ProblemException.Invalid($"{file.Name} of {entry.Id} could not be downloaded: {e.Message}; nothing was imported" +
                        (File.Exists(part) ? " (the part downloaded so far is kept, and the next attempt resumes it)" : ""));
                }

                File.Move(part, path, overwrite: true);
            }

            var (matches, algorithm, actual) = await FileDigest.CheckAsync(path, file, cancellationToken).ConfigureAwait(false);
            if (!matches)
            {
                File.Delete(path);
                throw ProblemException.Invalid(
                    $"{file.Name} of {entry.Id} does not match its published {algorithm} (expected {file.Sha256 ?? file.Md5}, got {actual}): " +
                    "the download was deleted and nothing was imported");
            }

            paths[file.Name] = path;
        }

        progress?.Report(new ImportProgress(entry.Files.Count, entry.Files.Count, 0, "downloaded"));
        return paths;
    }

    // The dataset's reader over its verified files (archives unpacked into the work folder under fixed names).
    private ImportSource Open(Dictionary<string, string> files, string work, ArchiveLimits limits)
    {
        switch (entry.Layout)
        {
            case PublicLayout.Cifar10Python:
            {
                string[] train = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"];
                var found = Unpack(Single(files), work, [.. train, "test_batch", "batches.meta"], limits);
                return new CifarPickleSource(
                    [.. train.Select(b => (found[b], Split.Train)), (found["test_batch"], Split.Test)], found["batches.meta"], "labels", "label_names", Description, limits);
            }

            case PublicLayout.Cifar100Python:
            {
                var found = Unpack(Single(files), work, ["train", "test", "meta"], limits);
                return new CifarPickleSource([(found["train"], Split.Train), (found["test"], Split.Test)], found["meta"], "fine_labels", "fine_label_names", Description, limits);
            }

            case PublicLayout.MnistIdx:
            {
                var folder = Path.GetDirectoryName(files.Values.First())!;
                return new MnistSource(folder, limits, entry.Classes, name => name.StartsWith("t10k", StringComparison.Ordinal) ? Split.Test : Split.Train);
            }

            case PublicLayout.SplitFoldersZip:
                return new SplitFoldersSource(
                    ImportSource.Open(Single(files), limits, ImportFormat.ImageFolder),
                    new Dictionary<string, Split>(StringComparer.Ordinal) { ["train"] = Split.Train, ["val"] = Split.Test });
            default:
                throw new InvalidOperationException($"no reader for {entry.Layout}");
        }
    }

    private string Single(Dictionary<string, string> files) =>
        files.Count == 1 ? files.Values.Single() : throw ProblemException.Invalid($"{entry.Id}: this layout is one archive, not {files.Count} files");

    // Only the members the reader needs are written, each under its own base name into the work folder (never under the
    // archive's paths); links and other entries are not followed. Each member is bounded by the archive limits.
    private static Dictionary<string, string> Unpack(string archive, string work, IReadOnlyList<string> wanted, ArchiveLimits limits)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var input = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
            using var reader = new TarReader(input);
            long total = 0;
            var entries = 0;
            while (reader.GetNextEntry() is { } member)
            {
                if (++entries > limits.MaxEntries)
                {
                    throw ProblemException.Invalid($"'{Path.GetFileName(archive)}' holds more than {limits.MaxEntries} entries; nothing was imported");
                }

                var name = member.Name.Replace('\\', '/').Split('/').Last();
                if (member.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !wanted.Contains(name) || found.ContainsKey(name))
                {
                    continue;
                }

                total += member.Length;
                if (total > limits.MaxTotalBytes)
                {
                    throw ProblemException.Invalid($"'{Path.GetFileName(archive)}' unpacks past {limits.MaxTotalBytes} bytes, the limit; nothing was imported");
                }

                var path = Path.Combine(work, name);
                using (var output = File.Create(path))
                {
                    member.DataStream?.CopyTo(output);
                }

                found[name] = path;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(archive)}' is not a readable .tar.gz: {e.Message}; nothing was imported");
        }

        var missing = wanted.Where(w => !found.ContainsKey(w)).ToList();
        return missing.Count == 0
            ? found
            : throw ProblemException.Invalid($"'{Path.GetFileName(archive)}' lacks {string.Join(", ", missing)}; nothing was imported");
    }

    private static async Task<string[]> RangesOfAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.Select(a => $"{a}/{(a.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)}").ToArray();
    }
}
