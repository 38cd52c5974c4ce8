using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VisionFactory.Testing;

/// <summary>
/// Tiny files in the real formats of the public datasets, for a loopback server to serve: a CIFAR python archive
/// (Python 2 cPickle protocol 2 dicts with a numpy uint8 array, as the published batches are), MNIST idx gzip files and
/// a hymenoptera-style zip of train/val class folders. Every image's pixels come from a seeded generator, so files
/// and digests are repeatable and no two images are alike.
/// </summary>
public static class PublicDatasetFiles
{
    /// <summary>The CIFAR-10 class names in label order.</summary>
    public static readonly string[] Cifar10Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>
    /// cifar-10-python.tar.gz: five train batches with <paramref name="perBatch"/> images of every class each, a test batch
    /// with <paramref name="perClassTest"/> of every class, and batches.meta, under cifar-10-batches-py/.
    /// </summary>
    public static byte[] Cifar10PythonArchive(int perBatch = 1, int perClassTest = 2)
    {
        var members = new List<(string Name, byte[] Data)>();
        for (var b = 1; b <= 5; b++)
        {
            members.Add(($"cifar-10-batches-py/data_batch_{b}", CifarBatch("labels", Labels(10, perBatch), seed: b, $"training batch {b} of 5")));
        }

        members.Add(("cifar-10-batches-py/test_batch", CifarBatch("labels", Labels(10, perClassTest), seed: 99, "testing batch 1 of 1")));
        members.Add(("cifar-10-batches-py/batches.meta", Meta(("label_names", Cifar10Classes), ("num_cases_per_batch", null))));
        members.Add(("cifar-10-batches-py/readme.html", Encoding.ASCII.GetBytes("<html></html>")));
        return TarGz(members);
    }

    /// <summary>
    /// cifar-100-python.tar.gz: train and test pickles (labels in <c>fine_labels</c>) and meta (<c>fine_label_names</c>)
    /// for <paramref name="classes"/> fine classes, under cifar-100-python/.
    /// </summary>
    public static byte[] Cifar100PythonArchive(IReadOnlyList<string> classes, int perClassTrain = 5, int perClassTest = 2)
    {
        ArgumentNullException.ThrowIfNull(classes);
        return TarGz(
        [
            ("cifar-100-python/train", CifarBatch("fine_labels", Labels(classes.Count, perClassTrain), seed: 7, "training batch 1 of 1")),
            ("cifar-100-python/test", CifarBatch("fine_labels", Labels(classes.Count, perClassTest), seed: 8, "testing batch 1 of 1")),
            ("cifar-100-python/meta", Meta(("fine_label_names", classes), ("coarse_label_names", ["all"]))),
        ]);
    }

    /// <summary>The four MNIST files (name to gzip bytes): <paramref name="perClassTrain"/> and <paramref name="perClassTest"/> images of each digit.</summary>
    public static Dictionary<string, byte[]> MnistFiles(int perClassTrain = 3, int perClassTest = 1)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (stem, perClass, seed) in new[] { ("train", perClassTrain, 1), ("t10k", perClassTest, 2) })
        {
            var labels = Labels(10, perClass);
            var images = new byte[16 + (labels.Length * 784)];
            BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), labels.Length);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
            new Random(seed).NextBytes(images.AsSpan(16));
            var labelFile = new byte[8 + labels.Length];
            BinaryPrimitives.WriteInt32BigEndian(labelFile, 0x801);
            BinaryPrimitives.WriteInt32BigEndian(labelFile.AsSpan(4), labels.Length);
            labels.CopyTo(labelFile, 8);
            files[$"{stem}-images-idx3-ubyte.gz"] = Gzip(images);
            files[$"{stem}-labels-idx1-ubyte.gz"] = Gzip(labelFile);
        }

        return files;
    }

    /// <summary>hymenoptera_data.zip: hymenoptera_data/{train,val}/{ants,bees}/*.jpg.</summary>
    public static byte[] HymenopteraZip(int perClassTrain = 4, int perClassVal = 2)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (split, count) in new[] { ("train", perClassTrain), ("val", perClassVal) })
            {
                foreach (var (name, style) in new[] { ("ants", 0), ("bees", 1) })
                {
                    for (var i = 0; i < count; i++)
                    {
                        var entry = zip.CreateEntry($"hymenoptera_data/{split}/{name}/{split}_{i}.jpg");
                        using var stream = entry.Open();
                        stream.Write(SyntheticImages.Encode(style, (split == "val" ? 100 : 0) + i, 48, SkiaSharp.SKEncodedImageFormat.Jpeg, distinct: true));
                    }
                }
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The lowercase hex MD5 of <paramref name="bytes"/>, as the catalogue pins published files.</summary>
#pragma warning disable CA5351 // The published digests being matched are MD5s.
    public static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));
#pragma warning restore CA5351

    /// <summary>The lowercase hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// An administrator's catalogue file (Collect:Public:CatalogFile) with one entry: <paramref name="id"/>, its layout
    /// and files (name, MD5 of the bytes served) at the official-looking <paramref name="baseUrl"/>.
    /// </summary>
    public static void WriteCatalog(string path, string id, string layout, IReadOnlyDictionary<string, byte[]> files, string baseUrl, IReadOnlyList<string>? classes = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var entry = new
        {
            id,
            title = "Test " + id,
            summary = "generated for a test",
            homepage = baseUrl,
            layout,
            files = files.Select(f => new { name = f.Key, url = baseUrl.TrimEnd('/') + "/" + f.Key, md5 = Md5(f.Value), bytes = f.Value.LongLength }).ToList(),
            classes,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(new[] { entry }));
    }

    private static byte[] Labels(int classes, int perClass) =>
        Enumerable.Range(0, perClass).SelectMany(_ => Enumerable.Range(0, classes)).Select(c => (byte)c).ToArray();

    // A batch as Python 2's cPickle wrote CIFAR's (protocol 2): {'data': ndarray uint8 (N, 3072), labelsKey: [...],
    // 'batch_label': str, 'filenames': [...]}, with the memo puts cPickle emits.
    private static byte[] CifarBatch(string labelsKey, byte[] labels, int seed, string batchLabel)
    {
        var pixels = new byte[labels.Length * 3072];
        new Random(seed).NextBytes(pixels);
        using var p = new PickleWriter();
        p.Op(0x80).Op(2).Op('}').Put().Op('(');
        p.Str("data").Put();
        p.Global("numpy.core.multiarray", "_reconstruct").Put().Global("numpy", "ndarray").Put();
        p.Int(0).Op(0x85).Str("b").Op(0x87).Op('R').Put();
        p.Op('(').Int(1).Int(labels.Length).Int(3072).Op(0x86);
        p.Global("numpy", "dtype").Put().Str("u1").Int(0).Int(1).Op(0x87).Op('R').Put();
        p.Op('(').Int(3).Str("|").Op('N').Op('N').Op('N').Int(-1).Int(-1).Int(0).Op('t').Op('b');
        p.Op(0x89).LongStr(pixels).Op('t').Op('b');
        p.Str(labelsKey).Put().Op(']').Put().Op('(');
        foreach (var label in labels)
        {
            p.Int(label);
        }

        p.Op('e');
        p.Str("batch_label").Put().Str(batchLabel).Put();
        p.Str("filenames").Put().Op(']').Put().Op('(');
        for (var i = 0; i < labels.Length; i++)
        {
            p.Str($"image_{seed}_{i:00000}.png").Put();
        }

        p.Op('e').Op('u').Op('.');
        return p.ToArray();
    }

    private static byte[] Meta(params (string Key, IReadOnlyList<string>? Names)[] entries)
    {
        using var p = new PickleWriter();
        p.Op(0x80).Op(2).Op('}').Put().Op('(');
        foreach (var (key, names) in entries)
        {
            p.Str(key).Put();
            if (names is null)
            {
                p.Int(10000);
                continue;
            }

            p.Op(']').Put().Op('(');
            foreach (var name in names)
            {
                p.Str(name).Put();
            }

            p.Op('e');
        }

        p.Op('u').Op('.');
        return p.ToArray();
    }

    private static byte[] TarGz(IEnumerable<(string Name, byte[] Data)> members)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true))
        {
            tar.WriteEntry(new GnuTarEntry(TarEntryType.Directory, members.First().Name.Split('/')[0] + "/"));
            foreach (var (name, data) in members)
            {
                tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return buffer.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    // The protocol 2 opcodes Python 2's cPickle writes for dicts, lists, ints, str and numpy arrays.
    private sealed class PickleWriter : IDisposable
    {
        private readonly MemoryStream buffer = new();
        private int memo;

        public PickleWriter Op(int code)
        {
            buffer.WriteByte((byte)code);
            return this;
        }

        public PickleWriter Put()
        {
            memo++;
            if (memo < 256)
            {
                return Op('q').Op(memo);
            }

            Op('r');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, memo);
            buffer.Write(n);
            return this;
        }

        public PickleWriter Str(string text)
        {
            var bytes = Encoding.Latin1.GetBytes(text);
            return bytes.Length < 256 ? Op('U').Op(bytes.Length).Raw(bytes) : LongStr(bytes);
        }

        public PickleWriter LongStr(byte[] bytes)
        {
            Op('T');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, bytes.Length);
            buffer.Write(n);
            return Raw(bytes);
        }

        public PickleWriter Int(int value)
        {
            Span<byte> n = stackalloc byte[4];
            if (value is >= 0 and < 256)
            {
                return Op('K').Op(value);
            }

            if (value is >= 0 and < 65536)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(n, (ushort)value);
                Op('M');
                buffer.Write(n[..2]);
                return this;
            }

            BinaryPrimitives.WriteInt32LittleEndian(n, value);
            Op('J');
            buffer.Write(n);
            return this;
        }

        public PickleWriter Global(string module, string name) => Op('c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

        public byte[] ToArray() => buffer.ToArray();

        public void Dispose() => buffer.Dispose();

        private PickleWriter Raw(byte[] bytes)
        {
            buffer.Write(bytes);
            return this;
        }
    }
}
