using System.Globalization;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Weights;
using VisionFactory.Learning.Zoo;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Weights;

public sealed class ImageNetResNet18Tests
{
    private const double Tolerance = 1e-4;

    private readonly ITestOutputHelper output;

    public ImageNetResNet18Tests(ITestOutputHelper output)
    {
        this.output = output;
        TorchNativeLibrary.EnsureLoaded();
    }

    [Fact]
    public void FeaturesMatchTorchvisionOnTheSameWeightsAndInput()
    {
        using var network = ImageNetResNet18.Create(numClasses: 3);
        network.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mean = ImageNetResNet18.ReadMeanImage();
        var x = SyntheticBgr(2, 224) - mean.unsqueeze(0);

        var checksum = Golden.ReadFloats("resnet18_input_checksum").Values;
        float[] actualChecksum = [x.sum().item<float>(), x.abs().sum().item<float>(), x[0, 0, 0, ..8].sum().item<float>()];
        Assert.True(Golden.RelativeDifference(actualChecksum, checksum) < 1e-6, "the C# input formula or mean image differs from the golden script's");

        var (shape, expected) = Golden.ReadFloats("resnet18_features");
        var features = network.Features(x);
        Assert.Equal(shape, features.shape);
        var difference = Golden.RelativeDifference(features.data<float>().ToArray(), expected);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"features: max relative difference {difference:E3}; max |PyTorch| {expected.Max(Math.Abs):F4}, mean {expected.Average():F4}; first C# values {string.Join(", ", features[0, ..4].data<float>().ToArray())}"));
        Assert.True(difference < Tolerance, string.Create(CultureInfo.InvariantCulture, $"max |C# - PyTorch| / max |PyTorch| = {difference:E3} (limit {Tolerance:E0})"));
    }

    [Fact]
    public void EveryStageMatchesTorchvision()
    {
        using var network = ImageNetResNet18.Create(numClasses: 2);
        network.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = SyntheticBgr(2, 224) - ImageNetResNet18.ReadMeanImage().unsqueeze(0);
        var modules = network.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);

        var y = modules["maxpool"].call(modules["relu"].call(modules["bn1"].call(modules["conv1"].call(x))));
        var means = new List<Tensor>();
        foreach (var stage in new[] { "layer1", "layer2", "layer3", "layer4" })
        {
            y = modules[stage].call(y);
            means.Add(y.mean([2, 3]).flatten());
        }

        var expected = Golden.ReadFloats("resnet18_stage_means").Values;
        var difference = Golden.RelativeDifference(cat(means, 0).data<float>().ToArray(), expected);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stage means: max relative difference {difference:E3}"));
        Assert.True(difference < Tolerance, string.Create(CultureInfo.InvariantCulture, $"stage means differ by {difference:E3}"));
    }

    [Fact]
    public void HeadIsFreshAndSizedForTheRequestedClasses()
    {
        using var network = ImageNetResNet18.Create(numClasses: 7);

        var state = network.state_dict();

        Assert.Equal([7L, 512], state["fc.weight"].shape);
        Assert.Equal([1L, 7], network.call(zeros(1, 3, 64, 64)).shape);
    }

    [Fact]
    public void MismatchedNetworkIsReportedAndLeftUntouched()
    {
        using var network = new ResNet(5, [2, 2, 2, 2]);
        using var before = network.state_dict()["layer1.0.conv1.weight"].clone();

        var error = Assert.Throws<StateDictMismatchException>(
            () => ImageNetResNet18.LoadBackbone(network, DnnImageModelFiles.Locate().ResNet18));

        string[] unexpected =
        [
            "layer4.2.bn1.bias", "layer4.2.bn1.running_mean", "layer4.2.bn1.running_var", "layer4.2.bn1.weight",
            "layer4.2.bn2.bias", "layer4.2.bn2.running_mean", "layer4.2.bn2.running_var", "layer4.2.bn2.weight",
            "layer4.2.conv1.weight", "layer4.2.conv2.weight",
        ];
        Assert.Equal(unexpected, error.Report.Unexpected);
        Assert.Empty(error.Report.Missing);
        Assert.Empty(error.Report.MisShaped);
        Assert.Contains("layer4.2.conv1.weight", error.Message, StringComparison.Ordinal);
        Assert.True(network.state_dict()["layer1.0.conv1.weight"].allclose(before, rtol: 0, atol: 0), "nothing may be loaded half-way");
    }

    [Fact]
    public void MisShapedAndMissingKeysAreListed()
    {
        using var network = new ResNet(5);
        var source = new Dictionary<string, Tensor>
        {
            ["conv1.weight"] = zeros(64, 3, 3, 3),
            ["extra.weight"] = zeros(1),
        };

        var report = StateDictLoader.Compare(network, source, ImageNetResNet18.IsKeptByTarget);

        Assert.Equal(["extra.weight"], report.Unexpected);
        Assert.Equal("conv1.weight", Assert.Single(report.MisShaped).Key);
        Assert.Contains("layer4.2.conv2.weight", report.Missing);
        Assert.DoesNotContain("fc.weight", report.Missing);
        Assert.DoesNotContain("bn1.num_batches_tracked", report.Missing);
        foreach (var tensor in source.Values)
            tensor.Dispose();
    }

    [Fact]
    public void BackboneHasEveryNonHeadKeyOfTheTorchvisionLayout()
    {
        var weights = ImageNetResNet18.ReadBackbone(DnnImageModelFiles.Locate().ResNet18);
        try
        {
            var expected = Golden.StateDict2223().Where(e => !ImageNetResNet18.IsKeptByTarget(e.Key)).ToList();
            Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), weights.Keys.Order(StringComparer.Ordinal));
            Assert.All(expected, e => Assert.Equal(e.Shape, weights[e.Key].shape));
            var first = weights["conv1.weight"].flatten()[..3].data<float>().ToArray();
            Assert.Equal([-0.020473f, -0.011778f, -0.004240f], first, (a, b) => Math.Abs(a - b) < 1e-6);
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
    }

    [Fact]
    public void MappingRefusesALayoutWithOtherDepths()
    {
        var files = DnnImageModelFiles.Locate();
        var model = OnnxInitializerReader.ReadModel(files.ResNet18);
        var initializers = OnnxInitializerReader.ReadInitializers(model);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => ImageNetResNet18.MapToTorchvisionNames(model.Graph, initializers, [2, 2, 2, 2]));
            Assert.Contains("[2, 2, 2, 2]", error.Message, StringComparison.Ordinal);
            Assert.Equal(110, initializers.Count);
        }
        finally
        {
            foreach (var tensor in initializers.Values)
                tensor.Dispose();
        }
    }

    [Fact]
    public void MeanImageIsBgrAt224AndResizesLikePyTorch()
    {
        using var scope = NewDisposeScope();
        var mean = ImageNetResNet18.ReadMeanImage();
        Assert.Equal([3L, 224, 224], mean.shape);
        var channelMeans = mean.mean([1, 2]).data<float>().ToArray();
        Assert.True(channelMeans[0] < channelMeans[2], "blue (channel 0) has the lowest ImageNet mean");

        var (shape, expected) = Golden.ReadFloats("resnet18_mean_64");
        var resized = ImageNetResNet18.ResizeMeanImage(mean, 64);
        Assert.Equal(shape, resized.shape);
        Assert.True(Golden.RelativeDifference(resized.data<float>().ToArray(), expected) < 1e-6);
        Assert.True(ImageNetResNet18.ResizeMeanImage(mean, 224).allclose(mean, rtol: 0, atol: 0));
    }

    [Fact]
    public void LocateExplainsWhereTheModelFilesComeFrom()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DnnImageModelFiles.Locate("/nonexistent-folder"));

        Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18", error.Message, StringComparison.Ordinal);
        Assert.Equal("/nonexistent-folder/DnnImageModels/ResNet18Onnx/ResNet18.onnx", error.FileName);
    }

    [Fact]
    public void ReaderHandlesRawDataAndTypedFields()
    {
        var floats = new TensorProto { Name = "f", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 2, 2 }, FloatData = { 1f, 2f, 3f, 4f } };
        var raw = new TensorProto { Name = "r", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 2, 2 }, RawData = ByteString.CopyFrom(new byte[] { 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64 }) };
        var longs = new TensorProto { Name = "l", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 3 }, Int64Data = { 5, 6, 7 } };
        var wrong = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 3 }, FloatData = { 1f } };

        using var fromTyped = OnnxInitializerReader.ToTensor(floats);
        using var fromRaw = OnnxInitializerReader.ToTensor(raw);
        using var fromLongs = OnnxInitializerReader.ToTensor(longs);

        Assert.True(fromTyped.allclose(fromRaw, rtol: 0, atol: 0));
        Assert.Equal([2L, 2], fromRaw.shape);
        Assert.Equal([5L, 6, 7], fromLongs.data<long>().ToArray());
        Assert.Throws<InvalidDataException>(() => OnnxInitializerReader.ToTensor(wrong));
    }

    /// <summary>pixel[n, c, h, w] = (h * 7 + w * 13 + c * 101 + n * 59 + (h * w) % 37) % 256, as in tools/golden/resnet18_features.py.</summary>
    private static Tensor SyntheticBgr(int batch, int size)
    {
        var values = new float[batch * 3 * size * size];
        var i = 0;
        for (var n = 0; n < batch; n++)
            for (var c = 0; c < 3; c++)
                for (var h = 0; h < size; h++)
                    for (var w = 0; w < size; w++)
                        values[i++] = ((h * 7) + (w * 13) + (c * 101) + (n * 59) + (h * w % 37)) % 256;
        return tensor(values, [batch, 3, size, size]);
    }
}
