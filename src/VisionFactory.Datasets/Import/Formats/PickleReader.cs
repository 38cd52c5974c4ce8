using System.Buffers.Binary;
using System.Text;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>A pickled numpy array: its shape, element type and where its bytes are.</summary>
internal sealed record PickledArray(IReadOnlyList<long> Shape, string ElementType, PickledBytes? Data);

/// <summary>
/// A pickled byte string: held in <see cref="Inline"/> when small, else located in the file (<see cref="Offset"/>,
/// <see cref="Length"/>) and left unread, so a 150 MB array costs no memory until its records are read.
/// </summary>
internal sealed record PickledBytes(long Offset, long Length, byte[]? Inline);

/// <summary>
/// Reads the Python pickles that datasets ship (CIFAR's python batches: protocol 2 dicts of strings, lists of ints and
/// numpy arrays) into plain values: dictionaries, lists, strings, longs, <see cref="PickledArray"/>. It is an
/// interpreter for the data opcodes only: it never runs code, and the only classes it accepts are numpy's array and
/// element type, which it records rather than builds. Anything else (another class, an object with custom state)
/// is refused naming it. The repository's <c>.pth</c> reader lives in Learning, which Datasets does not use.
/// </summary>
internal static class PickleReader
{
    private const int InlineLimit = 1 << 16;
    private const int MaxDepth = 10_000;

    /// <summary>The value pickled in <paramref name="stream"/> (seekable: large byte strings are skipped, not read).</summary>
    public static object? Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return Interpret(stream, name);
        }
        catch (EndOfStreamException)
        {
            throw ProblemException.Invalid($"'{name}' ends in the middle of a pickle: the file is cut off");
        }
    }

    private static object? Interpret(Stream stream, string name)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        var reader = new BinaryReader(stream, Encoding.Latin1, leaveOpen: true);
        while (true)
        {
            var op = reader.ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    if (reader.ReadByte() > 5)
                    {
                        throw Refuse(name, "uses a pickle protocol newer than 5");
                    }

                    break;
                case 0x95: // FRAME
                    reader.ReadInt64();
                    break;
                case (byte)'}':
                    stack.Add(new Dictionary<object, object?>());
                    break;
                case (byte)']':
                    stack.Add(new List<object?>());
                    break;
                case (byte)')':
                    stack.Add(Array.Empty<object?>());
                    break;
                case (byte)'(':
                    if (marks.Count >= MaxDepth)
                    {
                        throw Refuse(name, "nests deeper than a dataset file does");
                    }

                    marks.Push(stack.Count);
                    break;
                case (byte)'t':
                    stack.Add(PopMark(stack, marks, name).ToArray());
                    break;
                case 0x85:
                    stack.Add(new[] { Pop(stack, name) });
                    break;
                case 0x86:
                {
                    var b = Pop(stack, name);
                    stack.Add(new[] { Pop(stack, name), b });
                    break;
                }

                case 0x87:
                {
                    var c = Pop(stack, name);
                    var b = Pop(stack, name);
                    stack.Add(new[] { Pop(stack, name), b, c });
                    break;
                }

                case (byte)'q':
                    memo[reader.ReadByte()] = Top(stack, name);
                    break;
                case (byte)'r':
                    memo[reader.ReadUInt32()] = Top(stack, name);
                    break;
                case 0x94: // MEMOIZE
                    memo[memo.Count] = Top(stack, name);
                    break;
                case (byte)'h':
                    stack.Add(Get(memo, reader.ReadByte(), name));
                    break;
                case (byte)'j':
                    stack.Add(Get(memo, reader.ReadUInt32(), name));
                    break;
                case (byte)'U': // SHORT_BINSTRING (a Python 2 str)
                case (byte)'C': // SHORT_BINBYTES
                    stack.Add(Bytes(stream, reader, reader.ReadByte(), name));
                    break;
                case (byte)'T': // BINSTRING
                case (byte)'B': // BINBYTES
                    stack.Add(Bytes(stream, reader, reader.ReadUInt32(), name));
                    break;
                case 0x8e: // BINBYTES8
                    stack.Add(Bytes(stream, reader, reader.ReadInt64(), name));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadByte())));
                    break;
                case (byte)'X': // BINUNICODE
                    stack.Add(Text(reader, reader.ReadUInt32(), name));
                    break;
                case 0x8d: // BINUNICODE8
                    stack.Add(Text(reader, reader.ReadInt64(), name));
                    break;
                case (byte)'J':
                    stack.Add((long)reader.ReadInt32());
                    break;
                case (byte)'K':
                    stack.Add((long)reader.ReadByte());
                    break;
                case (byte)'M':
                    stack.Add((long)reader.ReadUInt16());
                    break;
                case 0x8a: // LONG1
                {
                    var n = reader.ReadByte();
                    if (n > 8)
                    {
                        throw Refuse(name, "holds an integer wider than 64 bits");
                    }

                    var bytes = reader.ReadBytes(n);
                    long value = 0;
                    for (var i = n - 1; i >= 0; i--)
                    {
                        value = (value << 8) | bytes[i];
                    }

                    if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
                    {
                        value -= 1L << (8 * n);
                    }

                    stack.Add(value);
                    break;
                }

                case (byte)'G':
                    stack.Add(BinaryPrimitives.ReadDoubleBigEndian(reader.ReadBytes(8)));
                    break;
                case (byte)'N':
                    stack.Add(null);
                    break;
                case 0x88:
                    stack.Add(true);
                    break;
                case 0x89:
                    stack.Add(false);
                    break;
                case (byte)'c': // GLOBAL
                    stack.Add(Global(ReadLine(reader), ReadLine(reader), name));
                    break;
                case 0x93: // STACK_GLOBAL
                {
                    var member = Pop(stack, name) as string;
                    stack.Add(Global(Pop(stack, name) as string ?? "", member ?? "", name));
                    break;
                }

                case (byte)'R': // REDUCE
                {
                    var args = Pop(stack, name) as object?[] ?? throw Refuse(name, "calls a class with arguments that are not a tuple");
                    stack.Add(Reduce(Pop(stack, name), args, name));
                    break;
                }

                case (byte)'b': // BUILD
                {
                    var state = Pop(stack, name);
                    stack.Add(Build(Pop(stack, name), state, name));
                    break;
                }

                case (byte)'s':
                {
                    var value = Pop(stack, name);
                    var key = Pop(stack, name);
                    AsDictionary(Top(stack, name), name)[Key(key, name)] = value;
                    break;
                }

                case (byte)'u':
                {
                    var items = PopMark(stack, marks, name);
                    var dictionary = AsDictionary(Top(stack, name), name);
                    for (var i = 0; i + 1 < items.Count; i += 2)
                    {
                        dictionary[Key(items[i], name)] = items[i + 1];
                    }

                    break;
                }

                case (byte)'a':
                {
                    var value = Pop(stack, name);
                    AsList(Top(stack, name), name).Add(value);
                    break;
                }

                case (byte)'e':
                {
                    var items = PopMark(stack, marks, name);
                    AsList(Top(stack, name), name).AddRange(items);
                    break;
                }

                case (byte)'.':
                    return Pop(stack, name);
                default:
                    throw Refuse(name, $"uses the pickle instruction 0x{op:x2}, which a dataset file does not need");
            }
        }
    }

    private static ProblemException Refuse(string name, string why) =>
        ProblemException.Invalid($"'{name}' {why}; nothing was imported");

    private static object? Pop(List<object?> stack, string name)
    {
        if (stack.Count == 0)
        {
            throw Refuse(name, "is not a well-formed pickle (its stack runs empty)");
        }

        var top = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private static object? Top(List<object?> stack, string name) =>
        stack.Count > 0 ? stack[^1] : throw Refuse(name, "is not a well-formed pickle (its stack runs empty)");

    private static List<object?> PopMark(List<object?> stack, Stack<int> marks, string name)
    {
        if (marks.Count == 0)
        {
            throw Refuse(name, "is not a well-formed pickle (a mark is missing)");
        }

        var at = marks.Pop();
        var items = stack.GetRange(at, stack.Count - at);
        stack.RemoveRange(at, stack.Count - at);
        return items;
    }

    private static object? Get(Dictionary<long, object?> memo, long key, string name) =>
        memo.TryGetValue(key, out var value) ? value : throw Refuse(name, "is not a well-formed pickle (it refers to a value it never stored)");

    private static object Key(object? key, string name) => key switch
    {
        PickledBytes { Inline: { } bytes } => Encoding.Latin1.GetString(bytes),
        string or long or bool => key,
        _ => throw Refuse(name, "has a dictionary key that is not a string or a number"),
    };

    private static Dictionary<object, object?> AsDictionary(object? value, string name) =>
        value as Dictionary<object, object?> ?? throw Refuse(name, "sets an item on something that is not a dictionary");

    private static List<object?> AsList(object? value, string name) =>
        value as List<object?> ?? throw Refuse(name, "appends to something that is not a list");

    private static PickledBytes Bytes(Stream stream, BinaryReader reader, long length, string name)
    {
        if (length < 0 || stream.Position + length > stream.Length)
        {
            throw ProblemException.Invalid($"'{name}' declares {length} bytes past its end: the file is cut off or damaged; nothing was imported");
        }

        if (length <= InlineLimit)
        {
            return new PickledBytes(stream.Position, length, reader.ReadBytes((int)length));
        }

        var offset = stream.Position;
        stream.Seek(length, SeekOrigin.Current);
        return new PickledBytes(offset, length, null);
    }

    private static string Text(BinaryReader reader, long length, string name) =>
        length is >= 0 and <= InlineLimit
            ? Encoding.UTF8.GetString(reader.ReadBytes((int)length))
            : throw Refuse(name, "holds a text longer than a dataset's names are");

    private static string ReadLine(BinaryReader reader)
    {
        var text = new StringBuilder();
        for (var c = reader.ReadByte(); c != (byte)'\n'; c = reader.ReadByte())
        {
            if (text.Length > 256)
            {
                break;
            }

            text.Append((char)c);
        }

        return text.ToString();
    }

    // The classes a numpy array's pickle names; any other is refused, unbuilt.
    private static NumpyGlobal Global(string module, string member, string name) => (module, member) switch
    {
        ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct") => NumpyGlobal.Reconstruct,
        ("numpy", "ndarray") => NumpyGlobal.NdArray,
        ("numpy", "dtype") => NumpyGlobal.DType,
        _ => throw Refuse(name, $"needs the Python class {module}.{member}, which is not a dataset's data"),
    };

    private static object Reduce(object? callable, object?[] args, string name) => callable switch
    {
        NumpyGlobal.Reconstruct when args.Length >= 1 && args[0] is NumpyGlobal.NdArray => new ArrayBuilder(),
        NumpyGlobal.DType when args.Length >= 1 && args[0] is PickledBytes { Inline: { } type } => new DTypeBuilder(Encoding.Latin1.GetString(type)),
        NumpyGlobal.DType when args.Length >= 1 && args[0] is string type => new DTypeBuilder(type),
        _ => throw Refuse(name, "calls something other than numpy's array and element type"),
    };

    private static object Build(object? target, object? state, string name) => target switch
    {
        // State (version, byte order, ...): only the byte order matters for the element type's name.
        DTypeBuilder dtype => dtype with { Order = state is object?[] { Length: > 1 } s ? AsText(s[1]) : null },
        ArrayBuilder => BuildArray(state, name),
        _ => throw Refuse(name, "sets the state of an object that is not a numpy array"),
    };

    // State (version, shape, dtype, is_fortran, raw data).
    private static PickledArray BuildArray(object? state, string name)
    {
        if (state is not object?[] { Length: 5 } parts || parts[1] is not object?[] shape || parts[2] is not DTypeBuilder type)
        {
            throw Refuse(name, "holds a numpy array in a form this reader does not know");
        }

        if (parts[3] is true)
        {
            throw Refuse(name, "holds a numpy array in Fortran order");
        }

        return new PickledArray(
            shape.Select(d => d is long n ? n : throw Refuse(name, "holds a numpy array with a shape that is not numbers")).ToList(),
            (type.Order is "<" or ">" ? type.Order : "") + type.Type,
            parts[4] as PickledBytes ?? throw Refuse(name, "holds a numpy array whose data is not raw bytes"));
    }

    /// <summary>A pickled string (Python 2 str, bytes or unicode) as text, or null.</summary>
    public static string? AsText(object? value) => value switch
    {
        string s => s,
        PickledBytes { Inline: { } bytes } => Encoding.Latin1.GetString(bytes),
        _ => null,
    };

    private enum NumpyGlobal
    {
        Reconstruct,
        NdArray,
        DType,
    }

    private sealed record ArrayBuilder;

    private sealed record DTypeBuilder(string Type)
    {
        public string? Order { get; init; }
    }
}
