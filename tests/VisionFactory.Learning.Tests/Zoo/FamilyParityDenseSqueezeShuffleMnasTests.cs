using System.Globalization;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Zoo;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>DenseNet, SqueezeNet, ShuffleNet V2 and MNASNet against torchvision 0.14 (Golden/zoo/&lt;arch&gt;.json), and one training step per family.</summary>
public sealed class FamilyParityDenseSqueezeShuffleMnasTests
{
    private const int Classes = 10;

    private readonly ITestOutputHelper output;

    public FamilyParityDenseSqueezeShuffleMnasTests(ITestOutputHelper output)
    {
        this.output = output;
        TorchNativeLibrary.EnsureLoaded();
    }

    public static nn.Module<Tensor, Tensor> Build(string arch) => arch switch
    {
        "densenet121" => DenseNet.Densenet121(Classes),
        "densenet161" => DenseNet.Densenet161(Classes),
        "densenet169" => DenseNet.Densenet169(Classes),
        "densenet201" => DenseNet.Densenet201(Classes),
        "squeezenet1_0" => SqueezeNet.Squeezenet1_0(Classes),
        "squeezenet1_1" => SqueezeNet.Squeezenet1_1(Classes),
        "shufflenet_v2_x0_5" => ShuffleNetV2.ShufflenetV2X0_5(Classes),
        "shufflenet_v2_x1_0" => ShuffleNetV2.ShufflenetV2X1_0(Classes),
        "shufflenet_v2_x1_5" => ShuffleNetV2.ShufflenetV2X1_5(Classes),
        "shufflenet_v2_x2_0" => ShuffleNetV2.ShufflenetV2X2_0(Classes),
        "mnasnet0_5" => MnasNet.Mnasnet0_5(Classes),
        "mnasnet0_75" => MnasNet.Mnasnet0_75(Classes),
        "mnasnet1_0" => MnasNet.Mnasnet1_0(Classes),
        "mnasnet1_3" => MnasNet.Mnasnet1_3(Classes),
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "not an architecture of this family set"),
    };

    [Theory]
    [InlineData("densenet121", DenseNet.HeadPath)]
    [InlineData("squeezenet1_1", SqueezeNet.HeadPath)]
    [InlineData("shufflenet_v2_x0_5", ShuffleNetV2.HeadPath)]
    [InlineData("mnasnet0_5", MnasNet.HeadPath)]
    public void HeadPathNamesTheFinalClassifierLayer(string arch, string headPath)
    {
        using var module = Build(arch);

        var head = module.named_modules().Single(m => m.name == headPath).module;
        var weight = module.state_dict()[headPath + ".weight"];

        Assert.Equal(Classes, weight.shape[0]);
        Assert.Equal(Classes, ((nn.Module)head).state_dict()["bias"].shape[0]);
    }

    [Theory]
    [InlineData("densenet121")]
    [InlineData("squeezenet1_0")]
    [InlineData("shufflenet_v2_x1_0")]
    [InlineData("mnasnet1_0")]
    public void ForwardLeavesOnlyItsResultAndHeadOfFeatureMapEqualsForward(string arch)
    {
        using var module = Build(arch);
        module.eval();
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 64, 64);
        var before = scope.DisposablesCount;

        var logits = module.call(x);
        Assert.Equal(before + 1, scope.DisposablesCount);
        var (map, viaMap) = module switch
        {
            DenseNet d => Split(d.FeatureMap, d.Head, x),
            SqueezeNet q => Split(q.FeatureMap, q.Head, x),
            ShuffleNetV2 s => Split(s.FeatureMap, s.Head, x),
            MnasNet m => Split(m.FeatureMap, m.Head, x),
            _ => throw new InvalidOperationException(arch),
        };

        Assert.Equal(before + 3, scope.DisposablesCount);
        Assert.Equal(4, map.dim());
        Assert.True(viaMap.allclose(logits, rtol: 1e-5, atol: 1e-6), $"{arch}: Head(FeatureMap(x)) differs from forward");
    }

    [Fact]
    public void MnasNetDepthsFollowTorchvisionRounding()
    {
        Assert.Equal([16, 8, 16, 24, 40, 48, 96, 160], MnasNet.Depths(0.5));
        Assert.Equal([24, 16, 24, 32, 64, 72, 144, 240], MnasNet.Depths(0.75));
        Assert.Equal([32, 16, 24, 40, 80, 96, 192, 320], MnasNet.Depths(1.0));
        Assert.Equal([40, 24, 32, 56, 104, 128, 248, 416], MnasNet.Depths(1.3));
        Assert.Equal(80, MnasNet.RoundToMultipleOf(83, 8));
        Assert.Equal(88, MnasNet.RoundToMultipleOf(84, 8));
        using var network = MnasNet.Mnasnet0_5(Classes);
        var norms = network.modules().OfType<TorchSharp.Modules.BatchNorm2d>().ToList();
        Assert.NotEmpty(norms);
        Assert.All(norms, bn => Assert.Equal(1 - 0.9997, bn.momentum));
    }

    [Theory]
    [InlineData("densenet121", DenseNet.HeadPath)]
    [InlineData("squeezenet1_1", SqueezeNet.HeadPath)]
    [InlineData("shufflenet_v2_x0_5", ShuffleNetV2.HeadPath)]
    [InlineData("mnasnet0_5", MnasNet.HeadPath)]
    public void OneTrainingStepChangesTheParameters(string arch, string headPath)
    {
        using var module = Build(arch);
        module.train();
        using var optimizer = optim.SGD(module.parameters(), 0.05);
        using var scope = NewDisposeScope();
        using var generator = new Generator(20_240_601);
        var before = module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var input = randn([2, 3, 64, 64], generator: generator);
        var labels = tensor(new long[] { 1, 7 });

        optimizer.zero_grad();
        var logits = module.call(input);
        var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        optimizer.step();

        Assert.Equal([2L, Classes], logits.shape);
        Assert.True(double.IsFinite(loss.item<float>()), $"{arch}: loss {loss.item<float>()}");
        var after = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var changed = before.Count(p => !Same(p.Value, after[p.Key]));
        var first = before.Keys.First(k => k.EndsWith(".weight", StringComparison.Ordinal));
        Assert.False(Same(before[first], after[first]), $"{arch}: {first} did not change");
        Assert.False(Same(before[headPath + ".weight"], after[headPath + ".weight"]), $"{arch}: {headPath}.weight did not change");
        Assert.True(changed > before.Count / 2, $"{arch}: only {changed} of {before.Count} parameters changed");
        Assert.All(after.Values, p => Assert.True(isfinite(p).all().item<bool>()));
    }

    private static bool Same(Tensor a, Tensor b) => a.allclose(b, rtol: 0, atol: 0);

    private static (Tensor Map, Tensor Logits) Split(Func<Tensor, Tensor> featureMap, Func<Tensor, Tensor> head, Tensor x)
    {
        var map = featureMap(x);
        return (map, head(map));
    }
}
