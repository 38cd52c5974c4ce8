using VisionFactory.Datasets.Import;
using VisionFactory.Domain;
using VisionFactory.Testing;

namespace VisionFactory.Datasets.Tests;

/// <summary>Server-side folder imports only from the administrator's roots, without following links out of them.</summary>
public sealed class ImportRootsTests : IDisposable
{
    private readonly TempDirectory temp = new("vf-roots");

    public ImportRootsTests()
    {
        Directory.CreateDirectory(temp.Combine("allowed", "pets", "cats"));
        Directory.CreateDirectory(temp.Combine("allowed-evil", "pets"));
        Directory.CreateDirectory(temp.Combine("secret"));
        Directory.CreateSymbolicLink(temp.Combine("allowed", "escape"), temp.Combine("secret"));
        Directory.CreateSymbolicLink(temp.Combine("alias"), temp.Combine("allowed"));
    }

    [Theory]
    [InlineData("allowed/pets")]
    [InlineData("allowed/pets/cats")]
    [InlineData("allowed//pets/./cats/")]
    [InlineData("alias/pets")]
    public void PathsInsideARootAreAccepted(string relative)
    {
        var roots = new ImportRoots([temp.Combine("allowed")]);

        var real = roots.Check(temp.Path + "/" + relative);

        Assert.StartsWith(ImportRoots.RealPath(temp.Combine("allowed")), real, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("allowed/../secret")]
    [InlineData("allowed/pets/../../secret")]
    [InlineData("allowed//..//secret")]
    [InlineData("allowed/escape")]
    [InlineData("allowed/escape/../secret")]
    [InlineData("allowed-evil/pets")]
    [InlineData("secret")]
    public void PathsOutsideEveryRootAreRefusedNamingTheSetting(string relative)
    {
        var roots = new ImportRoots([temp.Combine("allowed")]);

        var e = Assert.Throws<ProblemException>(() => roots.Check(temp.Path + "/" + relative));

        Assert.Equal(ProblemKind.Invalid, e.Kind);
        Assert.Contains("outside the folders allowed for server-side imports", e.Message, StringComparison.Ordinal);
        Assert.Contains("Server:ImportRoots", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pets", "not an absolute path")]
    [InlineData("/proc/self/root/etc", "outside the folders")]
    [InlineData("/tmp/x\u0000/y", "control characters")]
    public void OddPathsAreRefused(string path, string reason)
    {
        var roots = new ImportRoots([temp.Combine("allowed")]);

        var e = Assert.Throws<ProblemException>(() => roots.Check(path));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutRootsNoServerPathIsImported()
    {
        var e = Assert.Throws<ProblemException>(() => new ImportRoots([]).Check(temp.Combine("allowed", "pets")));

        Assert.Contains("until an administrator lists the allowed folders", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
