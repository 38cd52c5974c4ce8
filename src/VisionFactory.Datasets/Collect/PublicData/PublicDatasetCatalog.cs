using System.Text.Json;
using System.Text.Json.Serialization;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Collect.PublicData;

/// <summary>How a public dataset's files hold its images, and so which reader imports them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PublicLayout>))]
public enum PublicLayout
{
    /// <summary>CIFAR-10's python archive: pickled batches data_batch_1..5 (train), test_batch (test), batches.meta.</summary>
    [JsonStringEnumMemberName("cifar10-python")]
    Cifar10Python,

    /// <summary>CIFAR-100's python archive: pickled batches train, test and meta (the 100 fine labels).</summary>
    [JsonStringEnumMemberName("cifar100-python")]
    Cifar100Python,

    /// <summary>MNIST-style idx files, gzip-compressed: train-* (train) and t10k-* (test) images with their labels.</summary>
    [JsonStringEnumMemberName("mnist-idx")]
    MnistIdx,

    /// <summary>A zip of split folders over class folders: train/&lt;class&gt;/ (train) and val/&lt;class&gt;/ (test).</summary>
    [JsonStringEnumMemberName("split-folders-zip")]
    SplitFoldersZip,
}

/// <summary>
/// One published file of a public dataset: its name (also its name on a mirror), official address, size where known,
/// and the digest it is verified by. Only digests published by the dataset's authors or by torchvision are pinned; a
/// file with none (<see cref="Md5"/> and <see cref="Sha256"/> both null) is imported unverified, and says so.
/// </summary>
public sealed record PublicFile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("md5")] string? Md5 = null,
    [property: JsonPropertyName("sha256")] string? Sha256 = null,
    [property: JsonPropertyName("bytes")] long? Bytes = null);

/// <summary>A classification dataset with stable official addresses, imported with its own train / test split.</summary>
public sealed record PublicDataset(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("homepage")] string Homepage,
    [property: JsonPropertyName("layout")] PublicLayout Layout,
    [property: JsonPropertyName("files")] IReadOnlyList<PublicFile> Files,
    [property: JsonPropertyName("classes")] IReadOnlyList<string>? Classes = null)
{
    /// <summary>Whether every file has a pinned digest.</summary>
    [JsonPropertyName("verified")]
    public bool Verified => Files.All(f => f.Md5 is not null || f.Sha256 is not null);

    /// <summary>The download size when every file's is known.</summary>
    [JsonPropertyName("bytes")]
    public long? Bytes => Files.All(f => f.Bytes is not null) ? Files.Sum(f => f.Bytes!.Value) : null;
}

/// <summary>
/// The public datasets this installation can import: the built-in ones, plus (replacing one of the same id) those of
/// the administrator's catalogue file (<c>Collect:Public:CatalogFile</c>, a JSON array in the shape of
/// <c>vf dataset public list --json</c>'s entries), e.g. a dataset re-packaged for an internal mirror.
/// </summary>
public sealed class PublicDatasetCatalog
{
    private const string Toronto = "https://www.cs.toronto.edu/~kriz/";
    private const string MnistBase = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    private const string FashionBase = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    private PublicDatasetCatalog(IReadOnlyList<PublicDataset> datasets) => Datasets = datasets;

    /// <summary>
    /// The built-in catalogue. Digests are the MD5s that the datasets' pages and torchvision publish (no SHA-256 is
    /// published for these files); sizes are the files' published lengths. The hymenoptera archive has no published
    /// digest, so none is pinned: it is imported unverified unless an administrator's catalogue pins one.
    /// </summary>
    public static IReadOnlyList<PublicDataset> BuiltIn { get; } =
    [
        new("cifar10", "CIFAR-10", "60 000 colour images of 32 x 32 pixels in 10 classes: 50 000 train, 10 000 test (Krizhevsky, 2009).",
            "https://www.cs.toronto.edu/~kriz/cifar.html", PublicLayout.Cifar10Python,
            [new("cifar-10-python.tar.gz", Toronto + "cifar-10-python.tar.gz", Md5: "c58f30108f718f92721af3b95e74349a", Bytes: 170_498_071)]),
        new("cifar100", "CIFAR-100", "60 000 colour images of 32 x 32 pixels in 100 fine classes: 50 000 train, 10 000 test (Krizhevsky, 2009).",
            "https://www.cs.toronto.edu/~kriz/cifar.html", PublicLayout.Cifar100Python,
            [new("cifar-100-python.tar.gz", Toronto + "cifar-100-python.tar.gz", Md5: "eb9058c3a382ffc7106e4002c42a8d85", Bytes: 169_001_437)]),
        new("mnist", "MNIST", "70 000 grey handwritten digits of 28 x 28 pixels, classes 0-9: 60 000 train, 10 000 test (LeCun et al.).",
            "https://yann.lecun.com/exdb/mnist/", PublicLayout.MnistIdx,
            [
                new("train-images-idx3-ubyte.gz", MnistBase + "train-images-idx3-ubyte.gz", Md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873", Bytes: 9_912_422),
                new("train-labels-idx1-ubyte.gz", MnistBase + "train-labels-idx1-ubyte.gz", Md5: "d53e105ee54ea40749a09fcbcd1e9432", Bytes: 28_881),
                new("t10k-images-idx3-ubyte.gz", MnistBase + "t10k-images-idx3-ubyte.gz", Md5: "9fb629c4189551a2d022fa330f9573f3", Bytes: 1_648_877),
                new("t10k-labels-idx1-ubyte.gz", MnistBase + "t10k-labels-idx1-ubyte.gz", Md5: "ec29112dd5afa0611ce80d1b7f02629c", Bytes: 4_542),
            ]),
        new("fashion-mnist", "Fashion-MNIST", "70 000 grey pictures of garments of 28 x 28 pixels in 10 classes: 60 000 train, 10 000 test (Zalando Research).",
            "https://github.com/zalandoresearch/fashion-mnist", PublicLayout.MnistIdx,
            [
                new("train-images-idx3-ubyte.gz", FashionBase + "train-images-idx3-ubyte.gz", Md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d", Bytes: 26_421_880),
                new("train-labels-idx1-ubyte.gz", FashionBase + "train-labels-idx1-ubyte.gz", Md5: "25c81989df183df01b3e8a0aad5dffbe", Bytes: 29_515),
                new("t10k-images-idx3-ubyte.gz", FashionBase + "t10k-images-idx3-ubyte.gz", Md5: "bef4ecab320f06d8554ea6380940ec79", Bytes: 4_422_102),
                new("t10k-labels-idx1-ubyte.gz", FashionBase + "t10k-labels-idx1-ubyte.gz", Md5: "bb300cfdad3c16e7a12a480ee83cd310", Bytes: 5_148),
            ],
            ["t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]),
        new("hymenoptera", "Hymenoptera (ants and bees)", "About 400 photos of ants and bees, train and val folders, from PyTorch's transfer-learning tutorial (an ImageNet subset).",
            "https://pytorch.org/tutorials/beginner/transfer_learning_tutorial.html", PublicLayout.SplitFoldersZip,
            [new("hymenoptera_data.zip", "https://download.pytorch.org/tutorial/hymenoptera_data.zip")]),
    ];

    /// <summary>Every dataset, in catalogue order.</summary>
    public IReadOnlyList<PublicDataset> Datasets { get; }

    /// <summary>The built-in catalogue with the entries of <paramref name="catalogFile"/> (when set) added or replacing.</summary>
    public static PublicDatasetCatalog Load(string? catalogFile)
    {
        if (string.IsNullOrWhiteSpace(catalogFile))
        {
            return new PublicDatasetCatalog(BuiltIn);
        }

        List<PublicDataset> extra;
        try
        {
            using var stream = File.OpenRead(catalogFile);
            extra = JsonSerializer.Deserialize<List<PublicDataset>>(stream, Json) ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            throw ProblemException.Invalid($"Collect:Public:CatalogFile '{catalogFile}' cannot be read as a catalogue: {e.Message}");
        }

        foreach (var entry in extra)
        {
            if (Problem(entry) is { } problem)
            {
                throw ProblemException.Invalid($"Collect:Public:CatalogFile '{catalogFile}': {problem}");
            }
        }

        var merged = BuiltIn.Where(b => !extra.Any(e => string.Equals(e.Id, b.Id, StringComparison.OrdinalIgnoreCase))).Concat(extra).ToList();
        return new PublicDatasetCatalog(merged);
    }

    /// <summary>The dataset <paramref name="id"/>, or a not-found problem listing the ids.</summary>
    public PublicDataset Find(string? id) =>
        Datasets.FirstOrDefault(d => string.Equals(d.Id, id?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw ProblemException.NotFound(
            $"'{id}' is not a public dataset of this installation; choose one of {string.Join(", ", Datasets.Select(d => d.Id))} ('vf dataset public list')");

    /// <summary>What is wrong with an entry, or null.</summary>
    public static string? Problem(PublicDataset entry)
    {
        if (string.IsNullOrWhiteSpace(entry.Id) || entry.Files is not { Count: > 0 })
        {
            return "every entry needs an 'id' and at least one file";
        }

        foreach (var file in entry.Files)
        {
            if (string.IsNullOrWhiteSpace(file.Name) || file.Name != Path.GetFileName(file.Name) || file.Name is "." or ".." || file.Name.Contains('\\', StringComparison.Ordinal))
            {
                return $"{entry.Id}: '{file.Name}' is not a plain file name";
            }

            if (!Uri.TryCreate(file.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return $"{entry.Id}: '{file.Url}' is not an http(s) address";
            }

            if (file.Md5 is { } md5 && !FileDigest.IsHex(md5, 32))
            {
                return $"{entry.Id}: the MD5 of {file.Name} is not 32 hex digits";
            }

            if (file.Sha256 is { } sha && !FileDigest.IsHex(sha, 64))
            {
                return $"{entry.Id}: the SHA-256 of {file.Name} is not 64 hex digits";
            }
        }

        return null;
    }
}
