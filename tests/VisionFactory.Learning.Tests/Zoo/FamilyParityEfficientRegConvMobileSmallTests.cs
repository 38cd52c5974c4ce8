using TorchSharp;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Zoo;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>EfficientNet, RegNet, ConvNeXt, MobileNetV3 and SmallCnn against torchvision 0.14 (golden files of tools/golden/zoo_parity.py).</summary>
public sealed class FamilyParityEfficientRegConvMobileSmallTests
{
    private readonly ITestOutputHelper output;

    public FamilyParityEfficientRegConvMobileSmallTests(ITestOutputHelper output)
    {
        TorchNativeLibrary.EnsureLoaded();
        this.output = output;
    }

    [Theory]
    [InlineData("efficientnet_b0")]
    [InlineData("regnet_y_400mf")]
    [InlineData("convnext_tiny")]
    [InlineData("mobilenet_v3_small")]
    [InlineData("small_cnn")]
    public void OneSgdStepInTrainModeChangesTheParameters(string arch)
    {
        const int Classes = 3;
        var (module, headPath) = Build(arch, Classes);
        using (module)
        {
            manual_seed(7);
            module.train();
            var parameters = module.named_parameters().ToList();
            var first = parameters[0];
            var head = parameters.Single(p => p.name == headPath + ".weight");
            Assert.Equal(Classes, head.parameter.shape[0]);
            using var firstBefore = first.parameter.detach().clone();
            using var headBefore = head.parameter.detach().clone();
            using var optimizer = optim.SGD(module.parameters(), 0.1);

            using (NewDisposeScope())
            {
                var x = randn(2, 3, 64, 64);
                var y = tensor(new long[] { 0, 2 });
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(module.call(x), y);
                loss.backward();
                optimizer.step();

                Assert.True(double.IsFinite(loss.item<float>()), $"{arch}: loss {loss.item<float>()}");
            }

            Assert.False(Same(firstBefore, first.parameter), $"{arch}: {first.name} did not change");
            Assert.False(Same(headBefore, head.parameter), $"{arch}: {headPath}.weight did not change");
        }
    }

    [Theory]
    [InlineData("efficientnet_b0")]
    [InlineData("regnet_x_400mf")]
    [InlineData("convnext_tiny")]
    [InlineData("mobilenet_v3_large")]
    [InlineData("small_cnn")]
    public void ForwardLeavesOnlyItsResultAndHeadOfFeatureMapEqualsForward(string arch)
    {
        var (module, _) = Build(arch, 4);
        using (module)
        {
            module.eval();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = randn(1, 3, 64, 64);
            var before = scope.DisposablesCount;

            var logits = module.call(x);

            Assert.Equal(before + 1, scope.DisposablesCount);
            Assert.Equal([1L, 4], logits.shape);
            var (map, head) = module switch
            {
                EfficientNet m => (m.FeatureMap(x), (Func<Tensor, Tensor>)m.Head),
                RegNet m => (m.FeatureMap(x), m.Head),
                ConvNeXt m => (m.FeatureMap(x), m.Head),
                MobileNetV3 m => (m.FeatureMap(x), m.Head),
                SmallCnn m => (m.FeatureMap(x), m.Head),
                _ => throw new InvalidOperationException(arch),
            };
            Assert.Equal(4, map.dim());
            Assert.True(allclose(head(map), logits, rtol: 1e-5, atol: 1e-6), $"{arch}: Head(FeatureMap(x)) differs from forward");
        }
    }

    [Fact]
    public void RegNetBlockParamsMatchTorchvision()
    {
        // BlockParams.from_init_params of torchvision 0.14 for the four variants: depths and widths.
        var y400 = RegNetBlockParams.FromInitParams(16, 48, 27.89, 2.09, 8, seRatio: 0.25);
        var y800 = RegNetBlockParams.FromInitParams(14, 56, 38.84, 2.4, 16, seRatio: 0.25);
        var x400 = RegNetBlockParams.FromInitParams(22, 24, 24.48, 2.54, 16);
        var x800 = RegNetBlockParams.FromInitParams(16, 56, 35.73, 2.28, 16);

        Assert.Equal([1, 3, 6, 6], y400.Depths);
        Assert.Equal([48, 104, 208, 440], y400.Widths);
        Assert.Equal([8, 8, 8, 8], y400.GroupWidths);
        Assert.Equal([1, 3, 8, 2], y800.Depths);
        Assert.Equal([64, 144, 320, 784], y800.Widths);
        Assert.Equal([1, 2, 7, 12], x400.Depths);
        Assert.Equal([32, 64, 160, 400], x400.Widths);
        Assert.Equal([1, 3, 7, 5], x800.Depths);
        Assert.Equal([64, 128, 288, 672], x800.Widths);
        Assert.All([y400, y800, x400, x800], p => Assert.Equal([2, 2, 2, 2], p.Strides));
    }

    [Fact]
    public void StochasticDepthDropsWholeRowsInTrainingAndIsTheIdentityInEvaluation()
    {
        using var layer = new StochasticDepth(0.25);
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x = ones(4000, 2, 3);

        layer.train();
        var y = layer.call(x);
        var rows = y.reshape(4000, 6);
        var rowMin = rows.amin(1);
        var rowMax = rows.amax(1);
        var kept = rowMax.gt(0).sum().item<long>();

        Assert.True(Same(rowMin, rowMax), "a row was partly dropped");
        Assert.True(rowMax.gt(0).logical_and(rowMax.sub(1 / 0.75).abs().gt(1e-6)).sum().item<long>() == 0, "survivors are not scaled by 1 / (1 - p)");
        Assert.InRange(kept, 2800, 3200);

        layer.eval();
        Assert.True(Same(layer.call(x), x));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StochasticDepth(1.5));
    }

    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    private static (nn.Module<Tensor, Tensor> Module, string HeadPath) Build(string arch, int numClasses) => arch switch
    {
        "efficientnet_b0" => (EfficientNet.EfficientnetB0(numClasses), EfficientNet.HeadPath),
        "efficientnet_b1" => (EfficientNet.EfficientnetB1(numClasses), EfficientNet.HeadPath),
        "efficientnet_b2" => (EfficientNet.EfficientnetB2(numClasses), EfficientNet.HeadPath),
        "efficientnet_b3" => (EfficientNet.EfficientnetB3(numClasses), EfficientNet.HeadPath),
        "regnet_y_400mf" => (RegNet.RegnetY400mf(numClasses), RegNet.HeadPath),
        "regnet_y_800mf" => (RegNet.RegnetY800mf(numClasses), RegNet.HeadPath),
        "regnet_x_400mf" => (RegNet.RegnetX400mf(numClasses), RegNet.HeadPath),
        "regnet_x_800mf" => (RegNet.RegnetX800mf(numClasses), RegNet.HeadPath),
        "convnext_tiny" => (ConvNeXt.ConvnextTiny(numClasses), ConvNeXt.HeadPath),
        "mobilenet_v3_small" => (MobileNetV3.MobilenetV3Small(numClasses), MobileNetV3.HeadPath),
        "mobilenet_v3_large" => (MobileNetV3.MobilenetV3Large(numClasses), MobileNetV3.HeadPath),
        "small_cnn" => (SmallCnn.Create(numClasses), SmallCnn.HeadPath),
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "not an architecture of this family"),
    };
}
