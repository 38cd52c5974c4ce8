using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// VisionFactory's small CNN for tiny images (32 px and up), the <c>SmallCnn</c> of <c>tools/golden/zoo_parity.py</c>:
/// <c>features</c> = five 3x3 Conv-BN-ReLU blocks (32, 32, max-pool, 64, 64, max-pool, 128) and a global average pool;
/// <c>classifier</c> = Flatten, Dropout, Linear. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
public sealed class SmallCnn : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final Linear classifier.</summary>
    public const string HeadPath = "classifier.2";

    /// <summary>Channels of the last feature map (the input width of <c>classifier.2</c>).</summary>
    public const int FeatureCount = 128;

#pragma warning disable IDE1006 // Field names are the Python model's parameter names.
    private readonly Sequential features;
    private readonly Sequential classifier;
#pragma warning restore IDE1006

    // The modules of features in order (an array, so not registered twice); the last one is the global pool.
    private readonly Module<Tensor, Tensor>[] featureLayers;

    /// <summary>Creates the network with TorchSharp's (PyTorch's) default initialisation.</summary>
    /// <param name="numClasses">Outputs of the classifier.</param>
    /// <param name="dropout">Dropout before the classifier (default 0.2).</param>
    /// <param name="name">The module name.</param>
    public SmallCnn(int numClasses, double dropout = 0.2, string name = "SmallCnn")
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        NumClasses = numClasses;

        var layers = new List<Module<Tensor, Tensor>>();
        void Block(int cin, int cout)
        {
            layers.Add(Conv2d(cin, cout, 3, padding: 1, bias: false));
            layers.Add(BatchNorm2d(cout));
            layers.Add(ReLU());
        }

        Block(3, 32);
        Block(32, 32);
        layers.Add(MaxPool2d(2));
        Block(32, 64);
        Block(64, 64);
        layers.Add(MaxPool2d(2));
        Block(64, FeatureCount);
        layers.Add(AdaptiveAvgPool2d(1));
        featureLayers = [.. layers];
        features = Sequential(layers);
        classifier = Sequential(Flatten(), Dropout(dropout), Linear(FeatureCount, numClasses));
        RegisterComponents();
    }

    /// <summary>Outputs of the classifier.</summary>
    public int NumClasses { get; }

    /// <summary>torchvision-style factory for <c>small_cnn</c>.</summary>
    public static SmallCnn Create(int numClasses) => new(numClasses);

    /// <summary>The last feature map, <c>[N, 128, H/4, W/4]</c> (the output of <c>features</c> before its global pool).</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var y = x;
        foreach (var module in featureLayers.AsSpan(0, featureLayers.Length - 1))
            y = module.call(y);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (global pool, classifier).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return classifier.call(featureLayers[^1].call(featureMap)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return classifier.call(features.call(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) => trace.Children(path, this, input, "features", "classifier");
}
