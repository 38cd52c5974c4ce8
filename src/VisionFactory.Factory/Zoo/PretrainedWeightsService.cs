using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Domain;
using VisionFactory.Domain.Users;
using VisionFactory.Domain.Zoo;
using VisionFactory.Learning.Architectures;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Zoo;

/// <summary>One catalogued weights file as <c>vf zoo weights list</c> shows it.</summary>
/// <param name="Architecture">The architecture it belongs to.</param>
/// <param name="File">The published file name.</param>
/// <param name="Address">Where it is downloaded from: the mirror when one is set, else the official address.</param>
/// <param name="Sha256">The expected digest: the file name's prefix, or the full digest where it is pinned.</param>
/// <param name="FullDigest">Whether <paramref name="Sha256"/> is the full digest.</param>
/// <param name="Size">The file's size in bytes, when known.</param>
/// <param name="Present">Whether the architecture has pretrained weights on this installation.</param>
/// <param name="StoredBytes">The stored (converted) weights' size in bytes, when present.</param>
/// <param name="Source">Where the stored weights came from, when present.</param>
public sealed record WeightsListing(
    string Architecture, string File, string Address, string Sha256, bool FullDigest, long? Size, bool Present, long? StoredBytes, string? Source);

/// <summary>How far a download is.</summary>
public sealed record WeightsDownloadProgress(string Architecture, long Bytes, long? Total);

/// <summary>What became of one file of a folder import.</summary>
/// <param name="File">The file's name.</param>
/// <param name="Architecture">The architecture its name belongs to; null when the name is not a catalogued one.</param>
/// <param name="Outcome"><c>stored</c>, <c>present</c> (the same file was stored before), <c>skipped</c> or <c>refused</c>.</param>
/// <param name="Reason">Why it was skipped or refused.</param>
public sealed record WeightsFolderResult(string File, string? Architecture, string Outcome, string? Reason);

/// <summary>
/// Pretrained weights of the zoo from the files torchvision publishes (<see cref="PublishedWeightsCatalog"/>): downloaded
/// from the official address or an administrator's mirror through the platform's outbound guard, resumed after an
/// interruption (HTTP Range), bounded in size and time, verified by SHA-256, converted through the platform's own
/// <c>.pth</c> reader (every name and shape checked, see <see cref="ZooService.ImportWeightsAsync(string, string, CancellationToken)"/>)
/// and stored once; or taken from a folder of the same files on an air-gapped site.
/// </summary>
public sealed class PretrainedWeightsService(
    VisionFactoryDb db, BlobStore blobs, DataDirectory data, ArchitectureCatalog architectures, ZooService zoo, IOptions<ZooWeightsOptions> options, Caller caller)
{
    private const int BufferBytes = 1 << 20;
    private readonly ZooWeightsOptions settings = options.Value;
    private IReadOnlyList<PublishedWeightsFile>? catalog;

    /// <summary>Every catalogued file, one per architecture: the built-in ones with the administrator's catalogue file applied.</summary>
    public IReadOnlyList<PublishedWeightsFile> Catalog => catalog ??= LoadCatalog(settings.CatalogFile);

    /// <summary>The folder partial downloads wait in until they are resumed.</summary>
    public string DownloadsPath => Path.Combine(data.Root, "downloads", "weights");

    /// <summary>Every catalogued architecture with its address, digest and whether weights are present.</summary>
    public async Task<List<WeightsListing>> ListAsync(string? mirror, CancellationToken cancellationToken)
    {
        var stored = await db.ImportedWeights.AsNoTracking().ToDictionaryAsync(w => w.Architecture, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        var baseAddress = BaseAddress(mirror).Address;
        return [.. Catalog.Select(e => Listing(e, baseAddress, stored.GetValueOrDefault(e.Architecture)))];
    }

    /// <summary>
    /// Downloads, verifies, converts and stores the published weights of <paramref name="architecture"/>, unless the
    /// same file was stored before. <paramref name="mirror"/> (the operator's own choice) or the <c>Zoo:Weights:Mirror</c>
    /// setting replaces the official address and is trusted even on a private or loopback address.
    /// </summary>
    public async Task<WeightsListing> GetAsync(string architecture, string? mirror, IProgress<WeightsDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "download pretrained weights");
        var entry = Find(architecture);
        var (baseAddress, trusted) = BaseAddress(mirror);
        var existing = await db.ImportedWeights.AsNoTracking().SingleOrDefaultAsync(w => w.Architecture == entry.Architecture, cancellationToken).ConfigureAwait(false);
        if (existing is not null && CameFrom(existing, entry) && blobs.Exists(existing.Sha256))
        {
            return Listing(entry, baseAddress, existing);
        }

        var uri = new Uri(new Uri(baseAddress), entry.FileName);
        var file = await DownloadAsync(uri, entry, trusted, progress, cancellationToken).ConfigureAwait(false);
        try
        {
            var record = await zoo.ImportWeightsAsync(entry.Architecture, file, uri.ToString(), cancellationToken).ConfigureAwait(false);
            return Listing(entry, baseAddress, record);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Takes the published files found in <paramref name="folder"/> (its own files, not its sub-folders): each is
    /// recognised by its file name, verified by its digest and stored; other files are skipped, and a file whose
    /// digest differs is refused with nothing stored for it.
    /// </summary>
    public async Task<List<WeightsFolderResult>> ImportFolderAsync(string folder, CancellationToken cancellationToken)
    {
        caller.Require(Role.Editor, "import pretrained weights");
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw ProblemException.NotFound($"'{folder}' is not a folder");
        }

        var byName = Catalog.ToDictionary(e => e.FileName, StringComparer.Ordinal);
        var results = new List<WeightsFolderResult>();
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!byName.TryGetValue(name, out var entry) || new FileInfo(path).LinkTarget is not null)
            {
                results.Add(new WeightsFolderResult(name, null, "skipped", "not the name of a catalogued weights file ('vf zoo weights list' shows them)"));
                continue;
            }

            results.Add(await ImportFileAsync(path, entry, cancellationToken).ConfigureAwait(false));
        }

        if (results.All(r => r.Architecture is null))
        {
            throw ProblemException.Invalid(
                $"'{folder}' holds no catalogued weights file: the files keep their published names (e.g. {Catalog[0].FileName}); 'vf zoo weights list' shows them all");
        }

        return results;
    }

    /// <summary>The SHA-256 of a file as lower-case hex.</summary>
    public static async Task<string> Sha256OfFileAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    private async Task<WeightsFolderResult> ImportFileAsync(string path, PublishedWeightsFile entry, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        var existing = await db.ImportedWeights.AsNoTracking().SingleOrDefaultAsync(w => w.Architecture == entry.Architecture, cancellationToken).ConfigureAwait(false);
        if (existing is not null && CameFrom(existing, entry) && blobs.Exists(existing.Sha256))
        {
            return new WeightsFolderResult(name, entry.Architecture, "present", null);
        }

        var digest = await Sha256OfFileAsync(path, cancellationToken).ConfigureAwait(false);
        if (!entry.Matches(digest))
        {
            return new WeightsFolderResult(name, entry.Architecture, "refused", DigestMismatch(name, digest, entry));
        }

        try
        {
            await zoo.ImportWeightsAsync(entry.Architecture, path, Path.GetFullPath(path), cancellationToken).ConfigureAwait(false);
            return new WeightsFolderResult(name, entry.Architecture, "stored", null);
        }
        catch (ProblemException e) when (e.Kind is ProblemKind.Invalid or ProblemKind.Damaged)
        {
            return new WeightsFolderResult(name, entry.Architecture, "refused", e.Message);
        }
    }

    private async Task<string> DownloadAsync(
        Uri uri, PublishedWeightsFile entry, bool trusted, IProgress<WeightsDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DownloadsPath);
        var part = Path.Combine(DownloadsPath, entry.FileName + ".part");
        var allowed = trusted ? await AddressesOfAsync(uri, cancellationToken).ConfigureAwait(false) : [];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.Timeout);
        using var client = new HttpClient(OutboundGuard.CreateHandler(allowed, TimeSpan.FromSeconds(30)), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("VisionFactory (+pretrained weights)");

        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (have > 0)
            {
                request.Headers.Range = new RangeHeaderValue(have, null);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!(have > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && response.Content.Headers.ContentRange?.Length == have))
            {
                await ReceiveAsync(response, uri, entry, part, have, progress, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (OutboundGuard.RefusalOf(e) is { } refusal)
        {
            throw ProblemException.Invalid(
                $"{uri} is refused: {refusal}; an administrator's mirror (setting {ZooWeightsOptions.Section}:Mirror, or --mirror) is trusted on any address");
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            var kept = File.Exists(part) ? new FileInfo(part).Length : 0;
            throw ProblemException.Invalid(
                $"the download of {uri} stopped after {kept:N0} bytes ({e.Message}): run the same command again to resume it from there");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ProblemException.Invalid(
                $"the download of {uri} took longer than {ZooWeightsOptions.Section}:Timeout ({settings.Timeout}): run the same command again to resume it");
        }

        var digest = await Sha256OfFileAsync(part, cancellationToken).ConfigureAwait(false);
        if (!entry.Matches(digest))
        {
            File.Delete(part);
            throw ProblemException.Damaged(DigestMismatch(uri.ToString(), digest, entry));
        }

        var file = Path.Combine(DownloadsPath, entry.FileName);
        File.Move(part, file, overwrite: true);
        return file;
    }

    private async Task ReceiveAsync(
        HttpResponseMessage response, Uri uri, PublishedWeightsFile entry, string part, long have, IProgress<WeightsDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw ProblemException.NotFound($"{uri} does not exist (404): is the address, or the mirror, right?");
        }

        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file does not fit what the server holds now: start again next time.
            File.Delete(part);
            throw ProblemException.Invalid($"{uri} no longer matches the partial download kept here, which was removed: run the same command again");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw ProblemException.Invalid($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        // A 206 from where the partial file ends continues it; anything else starts again from the first byte.
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        var done = append ? have : 0;
        var total = append ? response.Content.Headers.ContentRange?.Length ?? have + response.Content.Headers.ContentLength
            : response.Content.Headers.ContentLength;
        if (total is { } announced)
        {
            RefuseSize(uri, part, announced, entry);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var output = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                var buffer = new byte[BufferBytes];
                var reported = done;
                progress?.Report(new WeightsDownloadProgress(entry.Architecture, done, total));
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (done + read > settings.MaxBytes)
                    {
                        await output.DisposeAsync().ConfigureAwait(false);
                        RefuseSize(uri, part, done + read, entry);
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    done += read;
                    if (done - reported >= 4 * BufferBytes)
                    {
                        reported = done;
                        progress?.Report(new WeightsDownloadProgress(entry.Architecture, done, total));
                    }
                }

                progress?.Report(new WeightsDownloadProgress(entry.Architecture, done, total));
            }
        }

        if (total is { } expected && done != expected)
        {
            throw new IOException($"the server announced {expected:N0} bytes and sent {done:N0}");
        }
    }

    private void RefuseSize(Uri uri, string part, long bytes, PublishedWeightsFile entry)
    {
        if (bytes > settings.MaxBytes)
        {
            File.Delete(part);
            throw ProblemException.Invalid(
                $"{uri} is {bytes:N0} bytes or more, over the limit of {settings.MaxBytes:N0} ({ZooWeightsOptions.Section}:MaxBytes); nothing was stored");
        }

        if (entry.Size is { } size && bytes > size)
        {
            File.Delete(part);
            throw ProblemException.Damaged($"{uri} is {bytes:N0} bytes, but the catalogue says {entry.FileName} is {size:N0}; nothing was stored");
        }
    }

    private static string DigestMismatch(string what, string digest, PublishedWeightsFile entry) =>
        $"{what} has the SHA-256 {digest}, but {entry.FileName} must have {entry.DescribeDigest()}: refused, nothing was stored (a damaged download, or another file under that name)";

    private (string Address, bool Trusted) BaseAddress(string? mirror)
    {
        var chosen = !string.IsNullOrWhiteSpace(mirror) ? mirror.Trim() : settings.Mirror.Length > 0 ? settings.Mirror : null;
        if (chosen is null)
        {
            return (PublishedWeightsCatalog.OfficialBaseAddress, false);
        }

        if (!Uri.TryCreate(chosen, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw ProblemException.Invalid($"the mirror '{chosen}' is not an http(s) address");
        }

        return (chosen.EndsWith('/') ? chosen : chosen + "/", true);
    }

    // The administrator's mirror is trusted: its own addresses are allowed through the guard, nothing else (a redirect
    // elsewhere inside the network is still refused).
    private static async Task<string[]> AddressesOfAsync(Uri uri, CancellationToken cancellationToken)
    {
        var host = uri.IdnHost.Trim('[', ']');
        IPAddress[] found;
        try
        {
            found = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw ProblemException.Invalid($"the mirror {uri.Authority} cannot be reached: the name does not resolve ({e.Message})");
        }

        return [.. found.Select(ip => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)
            .Select(ip => $"{ip}/{(ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)}")];
    }

    private PublishedWeightsFile Find(string architecture)
    {
        var known = architectures.Get(architecture).Name;
        return Catalog.FirstOrDefault(e => e.Architecture == known)
            ?? throw ProblemException.Invalid(
                $"no published ImageNet weights are catalogued for {known}: train it with --mode finetune, or import your own with 'vf zoo import-weights {known} <file>'");
    }

    private static bool CameFrom(ImportedWeights stored, PublishedWeightsFile entry) =>
        stored.SourceFile.EndsWith("/" + entry.FileName, StringComparison.Ordinal) || stored.SourceFile == entry.FileName;

    private WeightsListing Listing(PublishedWeightsFile entry, string baseAddress, ImportedWeights? stored) =>
        new(entry.Architecture, entry.FileName, new Uri(new Uri(baseAddress), entry.FileName).ToString(), entry.Sha256, entry.IsFullDigest, entry.Size,
            stored is not null, stored is null ? null : StoredBytes(stored), stored?.SourceFile);

    private long? StoredBytes(ImportedWeights stored)
    {
        var path = blobs.PathOf(stored.Sha256);
        return File.Exists(path) ? new FileInfo(path).Length : null;
    }

    private IReadOnlyList<PublishedWeightsFile> LoadCatalog(string file)
    {
        var entries = PublishedWeightsCatalog.Official.ToDictionary(e => e.Architecture, StringComparer.Ordinal);
        if (file.Length > 0)
        {
            List<CatalogFileEntry>? added;
            try
            {
                added = JsonSerializer.Deserialize<List<CatalogFileEntry>>(File.ReadAllText(file));
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                throw ProblemException.Invalid($"{ZooWeightsOptions.Section}:CatalogFile '{file}' cannot be read: {e.Message}");
            }

            foreach (var e in added ?? [])
            {
                var architecture = architectures.Get(e.Architecture ?? "").Name;
                var sha = (e.Sha256 ?? "").ToLowerInvariant();
                if (string.IsNullOrEmpty(e.File) || Path.GetFileName(e.File) != e.File || sha.Length < 8 || sha.Length > 64 || !sha.All(Uri.IsHexDigit))
                {
                    throw ProblemException.Invalid(
                        $"{ZooWeightsOptions.Section}:CatalogFile '{file}': the entry for {architecture} needs a plain file name and a SHA-256 (at least its first 8 hex digits)");
                }

                entries[architecture] = new PublishedWeightsFile(architecture, e.File, sha, e.Size);
            }
        }

        return [.. entries.Values.OrderBy(e => e.Architecture, StringComparer.Ordinal)];
    }

    private sealed record CatalogFileEntry(
        [property: JsonPropertyName("architecture")] string? Architecture,
        [property: JsonPropertyName("file")] string? File,
        [property: JsonPropertyName("sha256")] string? Sha256,
        [property: JsonPropertyName("size")] long? Size);
}
