using VisionFactory.Learning.Architectures;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>Every architecture in the zoo equals torchvision's on formula weights (see <see cref="ZooParity"/>).</summary>
public sealed class CatalogParityTests
{
    public static TheoryData<string> Architectures()
    {
        var data = new TheoryData<string>();
        foreach (var a in ArchitectureCatalog.Default.All.Where(a => a.Name != "resnet18-imagenet").OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            data.Add(a.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ArchitectureMatchesTorchvision(string name)
    {
        using var module = ArchitectureCatalog.Default.Get(name).CreateModule(ZooParity.Read(name).NumClasses);

        var difference = ZooParity.Check(name, module);

        Assert.True(difference < ZooParity.Tolerance, $"{name}: logits differ from torchvision by {difference:E2} (relative)");
    }

    [Fact]
    public void ZooHasAtLeastThirtyArchitectures() => Assert.True(ArchitectureCatalog.Default.All.Count >= 30, $"{ArchitectureCatalog.Default.All.Count} architectures");

    [Fact]
    public void EveryHeadPathNamesALinearOrConvolutionLayer()
    {
        foreach (var architecture in ArchitectureCatalog.Default.All)
        {
            using var network = architecture.Build(3, architecture.MinImageSize, loadPretrained: false);
            Assert.True(network.FeatureCount > 0, architecture.Name);
        }
    }
}
