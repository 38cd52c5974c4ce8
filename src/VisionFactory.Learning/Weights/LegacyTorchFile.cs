using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using System.Text;
using Razorvine.Pickle;

namespace VisionFactory.Learning.Weights;

/// <summary>
/// PyTorch's legacy serialisation (<c>torch.save</c> before PyTorch 1.6, in which many of torchvision's published
/// weights files were written), rewritten into the zip layout that <c>TorchSharp.PyBridge</c> reads. The legacy file is
/// five pickles (magic number, protocol version, system information, the object, the sorted storage keys) followed, for
/// each key in that order, by the storage's element count (int64, little-endian) and its bytes. The object's pickle is
/// copied unchanged as <c>archive/data.pkl</c> (its persistent ids name the storages as the zip layout's do, with one
/// more item the reader ignores) and each storage's bytes become <c>archive/data/&lt;key&gt;</c>. Nothing is unpickled
/// here but the list of keys, which holds only strings.
/// </summary>
internal static class LegacyTorchFile
{
    private const long MaxKeysPickleBytes = 64L << 20;

    /// <summary>Whether <paramref name="path"/> starts as a legacy PyTorch file does (a protocol-2 pickle, not a zip).</summary>
    public static bool IsLegacy(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> start = stackalloc byte[2];
        return stream.Read(start) == 2 && start[0] == 0x80 && start[1] == 2;
    }

    /// <summary>Writes the zip-layout equivalent of the legacy file <paramref name="path"/> to <paramref name="zipPath"/>.</summary>
    public static void ConvertToZip(string path, string zipPath)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new PickleSkimmer(input);
        for (var i = 0; i < 3; i++)
        {
            reader.Skip(); // magic number, protocol version, system information
        }

        var objectStart = input.Position;
        reader.Skip();
        var keysStart = input.Position;
        reader.Skip();
        var dataStart = input.Position;
        if (dataStart - keysStart > MaxKeysPickleBytes)
        {
            throw new InvalidDataException("the list of storages is implausibly large");
        }

        var keys = ReadKeys(input, keysStart, (int)(dataStart - keysStart));
        var sizes = ElementSizes(input, dataStart, keys.Count) ?? throw new InvalidDataException(
            "the storages after the pickles do not add up to the file's length");

        using var zip = new ZipArchive(new FileStream(zipPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), ZipArchiveMode.Create);
        CopyEntry(zip, "archive/data.pkl", input, objectStart, keysStart - objectStart);
        var offset = dataStart;
        for (var i = 0; i < keys.Count; i++)
        {
            var count = ReadInt64(input, offset);
            CopyEntry(zip, $"archive/data/{keys[i]}", input, offset + 8, count * sizes[i]);
            offset += 8 + (count * sizes[i]);
        }

        using (var version = new StreamWriter(zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open(), Encoding.ASCII))
        {
            version.Write("3\n");
        }
    }

    private static List<string> ReadKeys(Stream input, long start, int length)
    {
        var bytes = new byte[length];
        input.Position = start;
        input.ReadExactly(bytes);
        using var unpickler = new Unpickler();
        return unpickler.loads(bytes) is IEnumerable keys && keys.Cast<object>().All(k => k is string)
            ? [.. keys.Cast<string>()]
            : throw new InvalidDataException("the list of storages is not a list of names");
    }

    // Each storage's element size (1, 2, 4 or 8 bytes) is not written beside it; the one assignment that makes the
    // storages end exactly at the end of the file is found by trying the common size first and backing out of dead ends
    // (a wrong size lands the next element count on arbitrary bytes, which rarely fit in what is left of the file).
    private static int[]? ElementSizes(Stream input, long dataStart, int count)
    {
        var sizes = new int[count];
        var tried = new int[count];
        var offsets = new long[count + 1];
        offsets[0] = dataStart;
        ReadOnlySpan<int> order = [4, 8, 2, 1];
        var i = 0;
        var steps = 0;
        while (i >= 0)
        {
            if (i == count)
            {
                if (offsets[i] == input.Length)
                {
                    return sizes;
                }

                i--;
                continue;
            }

            if (++steps > 1_000_000)
            {
                return null;
            }

            var elements = offsets[i] + 8 <= input.Length ? ReadInt64(input, offsets[i]) : -1;
            if (elements < 0 || tried[i] == order.Length || elements > input.Length)
            {
                tried[i] = 0;
                i--;
                continue;
            }

            sizes[i] = order[tried[i]++];
            var next = offsets[i] + 8 + (elements * sizes[i]);
            if (next > input.Length)
            {
                continue;
            }

            offsets[i + 1] = next;
            i++;
        }

        return null;
    }

    private static long ReadInt64(Stream input, long at)
    {
        Span<byte> bytes = stackalloc byte[8];
        input.Position = at;
        input.ReadExactly(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    private static void CopyEntry(ZipArchive zip, string name, Stream input, long start, long length)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        input.Position = start;
        var buffer = new byte[1 << 20];
        while (length > 0)
        {
            var read = input.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
            if (read == 0)
            {
                throw new EndOfStreamException("the file ends inside a storage");
            }

            entry.Write(buffer, 0, read);
            length -= read;
        }
    }

    /// <summary>Walks over one pickle's opcodes without building anything, leaving the stream just after its STOP.</summary>
    private sealed class PickleSkimmer(Stream input)
    {
        public void Skip()
        {
            while (true)
            {
                var op = input.ReadByte();
                switch (op)
                {
                    case -1:
                        throw new EndOfStreamException("the file ends inside a pickle");
                    case '.':
                        return;
                    case '(' or '0' or '1' or '2' or 'N' or 'R' or 'b' or 'a' or 'e' or 'd' or '}' or ']' or ')' or 'l' or 't'
                        or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 's' or 'u' or 'Q' or 0x81 or 'o' or 0x8f or 0x90 or 0x91 or 0x92
                        or 0x93 or 0x94 or 0x97 or 0x98:
                        break;
                    case 'K' or 'q' or 'h' or 0x80 or 0x82:
                        Forward(1);
                        break;
                    case 'M' or 0x83:
                        Forward(2);
                        break;
                    case 'J' or 'r' or 'j' or 0x84:
                        Forward(4);
                        break;
                    case 'G' or 0x95:
                        Forward(8);
                        break;
                    case 'I' or 'L' or 'S' or 'V' or 'p' or 'g' or 'P' or 'F':
                        Line();
                        break;
                    case 'c' or 'i':
                        Line();
                        Line();
                        break;
                    case 'U' or 'C' or 0x8c or 0x8a:
                        Forward(input.ReadByte());
                        break;
                    case 'T' or 'X' or 'B' or 0x8b:
                        Forward(Length(4));
                        break;
                    case 0x8d or 0x8e or 0x96:
                        Forward(Length(8));
                        break;
                    default:
                        throw new InvalidDataException($"unknown pickle opcode 0x{op:x2}");
                }
            }
        }

        private long Length(int bytes)
        {
            Span<byte> raw = stackalloc byte[8];
            input.ReadExactly(raw[..bytes]);
            var length = bytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(raw) : BinaryPrimitives.ReadInt64LittleEndian(raw);
            return length >= 0 && length <= input.Length ? length : throw new InvalidDataException("a pickle's length field is out of range");
        }

        private void Forward(long bytes)
        {
            if (bytes < 0 || input.Position + bytes > input.Length)
            {
                throw new EndOfStreamException("the file ends inside a pickle");
            }

            input.Position += bytes;
        }

        private void Line()
        {
            int b;
            while ((b = input.ReadByte()) != '\n')
            {
                if (b == -1)
                {
                    throw new EndOfStreamException("the file ends inside a pickle");
                }
            }
        }
    }
}
