using System.Buffers.Binary;
using System.Text;

namespace VisionFactory.Learning.Native;

/// <summary>One symbol-version requirement of an ELF shared object (a <c>Vernaux</c> entry of <c>.gnu.version_r</c>).</summary>
/// <param name="File">The library the version is required from, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">The entry's <c>vna_flags</c>.</param>
/// <param name="FlagsOffset">The file offset of the 16-bit <c>vna_flags</c> field.</param>
public readonly record struct ElfVersionRequirement(string File, string Version, ushort Flags, long FlagsOffset)
{
    /// <summary>Whether the requirement is weak (<c>VER_FLG_WEAK</c>): the loader accepts a library that lacks it.</summary>
    public bool IsWeak => (Flags & ElfVersionNeeds.VerFlagWeak) != 0;
}

/// <summary>
/// Reads the GNU symbol-versioning sections of a little-endian ELF64 file: the versions it requires from other
/// libraries (<c>.gnu.version_r</c>, <c>SHT_GNU_verneed</c>) and the versions it defines (<c>.gnu.version_d</c>,
/// <c>SHT_GNU_verdef</c>), and marks chosen requirements weak in a copy of the file. Nothing else is changed.
/// </summary>
/// <remarks>
/// Layouts (System V gABI, GNU extension): section header 64 bytes (<c>sh_type</c> at 4, <c>sh_offset</c> at 24,
/// <c>sh_size</c> at 32, <c>sh_link</c> at 40, <c>sh_info</c> at 44); <c>Verneed</c> = version u16, cnt u16,
/// file u32, aux u32, next u32; <c>Vernaux</c> = hash u32, flags u16, other u16, name u32, next u32;
/// <c>Verdef</c> = version u16, flags u16, ndx u16, cnt u16, hash u32, aux u32, next u32; <c>Verdaux</c> = name u32, next u32.
/// </remarks>
public sealed class ElfVersionNeeds
{
    /// <summary><c>VER_FLG_WEAK</c>: a version requirement the dynamic loader may leave unsatisfied.</summary>
    public const ushort VerFlagWeak = 2;

    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    private ElfVersionNeeds(IReadOnlyList<ElfVersionRequirement> requirements, IReadOnlyList<string> definitions)
    {
        Requirements = requirements;
        Definitions = definitions;
    }

    /// <summary>Every version requirement, in file order.</summary>
    public IReadOnlyList<ElfVersionRequirement> Requirements { get; }

    /// <summary>Every version the file defines (e.g. <c>GLIBCXX_3.4.30</c> for libstdc++), in file order.</summary>
    public IReadOnlyList<string> Definitions { get; }

    /// <summary>Reads the version sections of an ELF file on disk.</summary>
    public static ElfVersionNeeds ReadFile(string path) => Read(File.ReadAllBytes(path));

    /// <summary>Reads the version sections of an ELF image.</summary>
    /// <exception cref="InvalidDataException">The image is not a little-endian ELF64 file or a section is out of bounds.</exception>
    public static ElfVersionNeeds Read(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only little-endian ELF64 files are supported.");

        var sectionTable = checked((int)U64(elf, 0x28));
        var sectionSize = U16(elf, 0x3a);
        var sectionCount = U16(elf, 0x3c);
        var requirements = new List<ElfVersionRequirement>();
        var definitions = new List<string>();
        for (var i = 0; i < sectionCount; i++)
        {
            var header = checked(sectionTable + (i * sectionSize));
            var type = U32(elf, header + 4);
            if (type != ShtGnuVerneed && type != ShtGnuVerdef)
                continue;
            var offset = checked((int)U64(elf, header + 24));
            var entries = U32(elf, header + 44);
            var strings = StringTable(elf, sectionTable, sectionSize, U32(elf, header + 40));
            if (type == ShtGnuVerneed)
                ReadNeeds(elf, offset, entries, strings, requirements);
            else
                ReadDefinitions(elf, offset, entries, strings, definitions);
        }

        return new ElfVersionNeeds(requirements, definitions);
    }

    /// <summary>
    /// The non-weak versions this file requires from <paramref name="file"/> (e.g. <c>libstdc++.so.6</c>) that
    /// <paramref name="definedVersions"/> (the <see cref="Definitions"/> of that library as installed) lacks,
    /// without duplicates, in ordinal order.
    /// </summary>
    public IReadOnlyList<string> UnsatisfiedBy(string file, IEnumerable<string> definedVersions)
    {
        ArgumentNullException.ThrowIfNull(definedVersions);
        var defined = definedVersions.ToHashSet(StringComparer.Ordinal);
        return Requirements
            .Where(r => r.File == file && !r.IsWeak && !defined.Contains(r.Version))
            .Select(r => r.Version)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// Returns a copy of <paramref name="elf"/> in which every requirement chosen by <paramref name="weaken"/> has
    /// <see cref="VerFlagWeak"/> set; all other bytes are identical.
    /// </summary>
    public static byte[] WithWeakRequirements(ReadOnlySpan<byte> elf, Func<ElfVersionRequirement, bool> weaken)
    {
        ArgumentNullException.ThrowIfNull(weaken);
        var info = Read(elf);
        var copy = elf.ToArray();
        foreach (var requirement in info.Requirements.Where(weaken))
        {
            var at = checked((int)requirement.FlagsOffset);
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at, 2), (ushort)(requirement.Flags | VerFlagWeak));
        }

        return copy;
    }

    private static void ReadNeeds(ReadOnlySpan<byte> elf, int offset, uint count, Strings strings, List<ElfVersionRequirement> into)
    {
        var need = offset;
        for (var n = 0; n < count; n++)
        {
            var auxCount = U16(elf, need + 2);
            var file = strings.At(elf, U32(elf, need + 4));
            var aux = checked(need + (int)U32(elf, need + 8));
            for (var a = 0; a < auxCount; a++)
            {
                into.Add(new ElfVersionRequirement(file, strings.At(elf, U32(elf, aux + 8)), U16(elf, aux + 4), aux + 4));
                aux = checked(aux + (int)U32(elf, aux + 12));
            }

            need = checked(need + (int)U32(elf, need + 12));
        }
    }

    private static void ReadDefinitions(ReadOnlySpan<byte> elf, int offset, uint count, Strings strings, List<string> into)
    {
        var def = offset;
        for (var n = 0; n < count; n++)
        {
            // The first Verdaux names the version itself; later ones name its parents.
            if (U16(elf, def + 6) > 0)
                into.Add(strings.At(elf, U32(elf, checked(def + (int)U32(elf, def + 12)))));
            def = checked(def + (int)U32(elf, def + 16));
        }
    }

    private static Strings StringTable(ReadOnlySpan<byte> elf, int sectionTable, int sectionSize, uint index)
    {
        var header = checked(sectionTable + ((int)index * sectionSize));
        return new Strings(checked((int)U64(elf, header + 24)), checked((int)U64(elf, header + 32)));
    }

    private static ushort U16(ReadOnlySpan<byte> elf, int at) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(elf, at, 2));

    private static uint U32(ReadOnlySpan<byte> elf, int at) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(elf, at, 4));

    private static ulong U64(ReadOnlySpan<byte> elf, int at) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(elf, at, 8));

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> elf, int at, int length) =>
        at >= 0 && at <= elf.Length - length ? elf.Slice(at, length) : throw new InvalidDataException($"ELF offset {at} is out of bounds.");

    private readonly record struct Strings(int Offset, int Size)
    {
        public string At(ReadOnlySpan<byte> elf, uint index)
        {
            if (index >= Size)
                throw new InvalidDataException($"ELF string index {index} is out of bounds.");
            var rest = Slice(elf, checked(Offset + (int)index), Size - (int)index);
            var end = rest.IndexOf((byte)0);
            return Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
        }
    }
}
