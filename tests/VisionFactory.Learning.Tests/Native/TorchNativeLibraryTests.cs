using VisionFactory.Learning.Native;

namespace VisionFactory.Learning.Tests.Native;

public sealed class TorchNativeLibraryTests
{
    [Fact]
    public void TensorOperationsWorkAfterEnsureLoaded()
    {
        TorchNativeLibrary.EnsureLoaded();

        using var ones = TorchSharp.torch.ones(2, 2);
        using var sum = ones.sum();

        Assert.Equal(4f, sum.item<float>());
    }

    [Fact]
    public void EnsureLoadedIsIdempotentAcrossThreads()
    {
        var reports = Enumerable.Range(0, 8).AsParallel().Select(_ => TorchNativeLibrary.EnsureLoaded()).ToList();

        Assert.All(reports, r => Assert.Same(reports[0], r));
        if (OperatingSystem.IsLinux())
            Assert.NotEqual(TorchNativeLoadOutcome.NativeFolderNotFound, reports[0].Outcome);
    }

    [Fact]
    public void PatchedCopyIsTheLibraryTorchSharpUses()
    {
        var report = TorchNativeLibrary.EnsureLoaded();
        using var probe = TorchSharp.torch.zeros(1);
        if (report.Outcome != TorchNativeLoadOutcome.PatchedCopyLoaded)
            return;

        var maps = File.ReadAllText("/proc/self/maps");
        Assert.Contains(report.LoadedLibrary!, maps, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.Combine(report.NativeFolder!, "libLibTorchSharp.so"), maps, StringComparison.Ordinal);
    }
}
