using VisionFactory.Learning.Native;

namespace VisionFactory.Learning.Tests.Native;

public sealed class ElfVersionNeedsTests
{
    private static readonly string[] SystemLibStdCxxCandidates =
        ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"];

    private static string PackagedLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void ReadsTheLibStdCxxRequirementsOfThePackagedLibrary()
    {
        var needs = ElfVersionNeeds.ReadFile(PackagedLibrary);

        var libStdCxx = needs.Requirements.Where(r => r.File == "libstdc++.so.6").ToList();
        Assert.Equal(20, libStdCxx.Count);
        var newest = Assert.Single(libStdCxx, r => r.Version == "GLIBCXX_3.4.32");
        Assert.False(newest.IsWeak);
        Assert.Contains(needs.Requirements, r => r.File == "libc.so.6" && r.Version == "GLIBC_2.2.5");
        Assert.Empty(needs.Definitions);
    }

    [Fact]
    public void PatchedCopyHasOnlyTheGlibcxx3432RequirementMarkedWeak()
    {
        var original = File.ReadAllBytes(PackagedLibrary);

        var patched = ElfVersionNeeds.WithWeakRequirements(original, r => r.Version == "GLIBCXX_3.4.32");

        AssertOnlyGlibcxx3432Weakened(original, patched);
    }

    [Fact]
    public void CopyLoadedByEnsureLoadedDiffersFromThePackagedLibraryOnlyInTheWeakFlag()
    {
        var report = TorchNativeLibrary.EnsureLoaded();
        if (report.Outcome != TorchNativeLoadOutcome.PatchedCopyLoaded)
            return; // A system whose libstdc++ is new enough loads the packaged library unchanged.

        Assert.Equal(["GLIBCXX_3.4.32"], report.WeakenedVersions);
        AssertOnlyGlibcxx3432Weakened(File.ReadAllBytes(PackagedLibrary), File.ReadAllBytes(report.LoadedLibrary!));
    }

    [Fact]
    public void ReadsTheVersionsTheSystemLibStdCxxDefines()
    {
        var path = SystemLibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (path is null)
            return;

        var definitions = ElfVersionNeeds.ReadFile(path).Definitions;

        Assert.Contains("GLIBCXX_3.4", definitions);
        Assert.Contains("CXXABI_1.3", definitions);
        Assert.Contains("GLIBCXX_3.4.26", definitions);
    }

    [Fact]
    public void OnlyVersionsTheSystemLibraryLacksAreUnsatisfied()
    {
        var path = SystemLibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (path is null)
            return;
        var library = ElfVersionNeeds.ReadFile(PackagedLibrary);
        var system = ElfVersionNeeds.ReadFile(path);

        var unsatisfied = library.UnsatisfiedBy("libstdc++.so.6", system.Definitions);

        Assert.All(unsatisfied, v => Assert.DoesNotContain(v, system.Definitions));
        Assert.All(library.Requirements.Where(r => r.File == "libstdc++.so.6" && !unsatisfied.Contains(r.Version)),
            r => Assert.Contains(r.Version, system.Definitions));
        if (!system.Definitions.Contains("GLIBCXX_3.4.32"))
            Assert.Contains("GLIBCXX_3.4.32", unsatisfied);
    }

    [Fact]
    public void NothingIsUnsatisfiedWhenEveryVersionIsProvidedOrWeak()
    {
        var original = File.ReadAllBytes(PackagedLibrary);
        var library = ElfVersionNeeds.Read(original);
        var allWeak = ElfVersionNeeds.Read(ElfVersionNeeds.WithWeakRequirements(original, r => r.File == "libstdc++.so.6"));

        // A new enough libstdc++ defines every required version: EnsureLoaded then has nothing to patch or load.
        Assert.Empty(library.UnsatisfiedBy("libstdc++.so.6", library.Requirements.Select(r => r.Version)));
        Assert.Empty(allWeak.UnsatisfiedBy("libstdc++.so.6", []));
        Assert.Equal(20, library.UnsatisfiedBy("libstdc++.so.6", []).Count);
    }

    [Fact]
    public void RejectsAFileThatIsNotElf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(new byte[128]));
    }

    private static void AssertOnlyGlibcxx3432Weakened(byte[] original, byte[] patched)
    {
        Assert.Equal(original.Length, patched.Length);
        var before = ElfVersionNeeds.Read(original).Requirements;
        var after = ElfVersionNeeds.Read(patched).Requirements;
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            var expectedFlags = before[i].Version == "GLIBCXX_3.4.32" ? (ushort)(before[i].Flags | ElfVersionNeeds.VerFlagWeak) : before[i].Flags;
            Assert.Equal(before[i] with { Flags = expectedFlags }, after[i]);
        }

        var target = before.Single(r => r.Version == "GLIBCXX_3.4.32").FlagsOffset;
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([(int)target], differing);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, patched[target] & ElfVersionNeeds.VerFlagWeak);
    }
}
