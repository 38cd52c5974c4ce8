using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// DenseNet-BC with torchvision 0.14's layout and parameter names (<c>features.conv0</c>, <c>features.norm0</c>,
/// <c>features.denseblock1.denselayer1.norm1</c> / <c>conv1</c> / <c>norm2</c> / <c>conv2</c>,
/// <c>features.transition1.norm</c> / <c>conv</c>, <c>features.norm5</c>, <c>classifier</c>), so torchvision state
/// dicts load one to one. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
/// <remarks>
/// Torchvision's memory-efficient (checkpointing) mode is not implemented; it changes memory use, not results.
/// Each forward pass runs inside its own dispose scope, so only the returned tensor survives.
/// </remarks>
public sealed class DenseNet : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Module path of the final classifier layer (a <see cref="TorchSharp.Modules.Linear"/>).</summary>
    public const string HeadPath = "classifier";

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Sequential features;
    private readonly Linear classifier;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation (Kaiming-normal convolutions, unit batch norms, zero linear bias).</summary>
    /// <param name="growthRate">Channels each dense layer adds (<c>k</c> in the paper).</param>
    /// <param name="blockConfig">Dense layers in each of the four blocks.</param>
    /// <param name="numInitFeatures">Channels of the stem convolution.</param>
    /// <param name="numClasses">Outputs of the <c>classifier</c> head.</param>
    /// <param name="bnSize">Bottleneck width factor (<c>bnSize * growthRate</c> channels between the two convolutions).</param>
    /// <param name="dropRate">Dropout after each dense layer (training only).</param>
    /// <param name="name">The module name.</param>
    public DenseNet(int growthRate, IReadOnlyList<int> blockConfig, int numInitFeatures, int numClasses, int bnSize = 4, double dropRate = 0, string name = "DenseNet")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(blockConfig);
        ArgumentOutOfRangeException.ThrowIfLessThan(growthRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numInitFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bnSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(dropRate);
        if (blockConfig.Count == 0 || blockConfig.Any(n => n < 1))
            throw new ArgumentException("A DenseNet needs at least one block of at least one layer.", nameof(blockConfig));

        GrowthRate = growthRate;
        BlockConfig = blockConfig.ToArray();
        NumInitFeatures = numInitFeatures;
        NumClasses = numClasses;

        features = Sequential(
            ("conv0", Conv2d(3, numInitFeatures, kernel_size: 7, stride: 2, padding: 3, bias: false)),
            ("norm0", BatchNorm2d(numInitFeatures)),
            ("relu0", ReLU(inplace: true)),
            ("pool0", MaxPool2d(kernel_size: 3, stride: 2, padding: 1)));

        var numFeatures = numInitFeatures;
        for (var i = 0; i < BlockConfig.Count; i++)
        {
            features.append($"denseblock{i + 1}", new DenseBlock(BlockConfig[i], numFeatures, bnSize, growthRate, dropRate));
            numFeatures += BlockConfig[i] * growthRate;
            if (i != BlockConfig.Count - 1)
            {
                features.append($"transition{i + 1}", Transition(numFeatures, numFeatures / 2));
                numFeatures /= 2;
            }
        }

        features.append("norm5", BatchNorm2d(numFeatures));
        FeatureCount = numFeatures;
        classifier = Linear(numFeatures, numClasses);
        RegisterComponents();

        using (no_grad())
        using (NewDisposeScope())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        init.kaiming_normal_(conv.weight);
                        break;
                    case BatchNorm2d bn:
                        init.ones_(bn.weight);
                        init.zeros_(bn.bias);
                        break;
                    case Linear linear:
                        init.zeros_(linear.bias);
                        break;
                }
            }
        }
    }

    /// <summary>Channels each dense layer adds.</summary>
    public int GrowthRate { get; }

    /// <summary>Dense layers per block.</summary>
    public IReadOnlyList<int> BlockConfig { get; }

    /// <summary>Channels of the stem convolution.</summary>
    public int NumInitFeatures { get; }

    /// <summary>Outputs of the <c>classifier</c> head.</summary>
    public int NumClasses { get; }

    /// <summary>Width of the pooled feature vector (the input of <c>classifier</c>): 1024 for DenseNet-121, 2208 / 1664 / 1920 for 161 / 169 / 201.</summary>
    public int FeatureCount { get; }

    /// <summary>torchvision <c>densenet121</c>: growth 32, blocks (6, 12, 24, 16), 64 stem channels.</summary>
    public static DenseNet Densenet121(int numClasses) => new(32, [6, 12, 24, 16], 64, numClasses);

    /// <summary>torchvision <c>densenet161</c>: growth 48, blocks (6, 12, 36, 24), 96 stem channels.</summary>
    public static DenseNet Densenet161(int numClasses) => new(48, [6, 12, 36, 24], 96, numClasses);

    /// <summary>torchvision <c>densenet169</c>: growth 32, blocks (6, 12, 32, 32), 64 stem channels.</summary>
    public static DenseNet Densenet169(int numClasses) => new(32, [6, 12, 32, 32], 64, numClasses);

    /// <summary>torchvision <c>densenet201</c>: growth 32, blocks (6, 12, 48, 32), 64 stem channels.</summary>
    public static DenseNet Densenet201(int numClasses) => new(32, [6, 12, 48, 32], 64, numClasses);

    /// <summary>The last feature map after its ReLU, <c>[N, FeatureCount, H/32, W/32]</c>; the target layer for CAM and Grad-CAM.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return functional.relu(features.call(x), inplace: true).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (global average pool, then <c>classifier</c>).</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return classifier.call(functional.adaptive_avg_pool2d(featureMap, [1, 1]).flatten(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits, <c>Head(FeatureMap(x))</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(FeatureMap(input)).MoveToOuterDisposeScope();
    }

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
    {
        var map = trace.Relu(path + ".relu", trace.Child(path, this, "features", input));
        var pooled = trace.Flatten(path + ".flatten", trace.AdaptiveAvgPool(path + ".pool", map, [1, 1]));
        return trace.Child(path, this, "classifier", pooled);
    }


    private static Sequential Transition(int inChannels, int outChannels) => Sequential(
        ("norm", BatchNorm2d(inChannels)),
        ("relu", ReLU(inplace: true)),
        ("conv", Conv2d(inChannels, outChannels, kernel_size: 1, stride: 1, bias: false)),
        ("pool", AvgPool2d(kernel_size: 2, stride: 2)));

    /// <summary>Dense layers <c>denselayer1</c> ... <c>denselayerN</c>; each sees the concatenation of the block input and all earlier outputs.</summary>
    private sealed class DenseBlock : Module<Tensor, Tensor>, IOnnxEmittable
    {
        private readonly List<DenseLayer> layers = [];

        public DenseBlock(int numLayers, int numInputFeatures, int bnSize, int growthRate, double dropRate)
            : base(nameof(DenseBlock))
        {
            for (var i = 0; i < numLayers; i++)
            {
                var layer = new DenseLayer(numInputFeatures + (i * growthRate), growthRate, bnSize, dropRate);
                layers.Add(layer);
                register_module($"denselayer{i + 1}", layer);
            }
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var outputs = new List<Tensor> { input };
            foreach (var layer in layers)
                outputs.Add(layer.call(cat(outputs, 1)));
            return cat(outputs, 1).MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
        {
            var outputs = new List<Traced> { input };
            for (var i = 0; i < layers.Count; i++)
            {
                var layerInput = outputs.Count == 1 ? input : trace.Concat($"{path}.cat{i + 1}", outputs, 1);
                outputs.Add(trace.Module($"{path}.denselayer{i + 1}", layers[i], layerInput));
            }

            return trace.Concat(path + ".cat", outputs, 1);
        }
    }

    /// <summary>BN-ReLU-Conv1x1 bottleneck, then BN-ReLU-Conv3x3 producing <c>growthRate</c> channels.</summary>
    private sealed class DenseLayer : Module<Tensor, Tensor>, IOnnxEmittable
    {
        private readonly double dropRate;

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly BatchNorm2d norm1;
        private readonly ReLU relu1;
        private readonly Conv2d conv1;
        private readonly BatchNorm2d norm2;
        private readonly ReLU relu2;
        private readonly Conv2d conv2;
#pragma warning restore IDE1006

        public DenseLayer(int numInputFeatures, int growthRate, int bnSize, double dropRate)
            : base(nameof(DenseLayer))
        {
            this.dropRate = dropRate;
            norm1 = BatchNorm2d(numInputFeatures);
            relu1 = ReLU(inplace: true);
            conv1 = Conv2d(numInputFeatures, bnSize * growthRate, kernel_size: 1, stride: 1, bias: false);
            norm2 = BatchNorm2d(bnSize * growthRate);
            relu2 = ReLU(inplace: true);
            conv2 = Conv2d(bnSize * growthRate, growthRate, kernel_size: 3, stride: 1, padding: 1, bias: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var y = conv1.call(relu1.call(norm1.call(input)));
            y = conv2.call(relu2.call(norm2.call(y)));
            if (dropRate > 0)
                y = functional.dropout(y, dropRate, training);
            return y.MoveToOuterDisposeScope();
        }

        // Dropout is the identity at inference.
        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
            trace.Children(path, this, input, "norm1", "relu1", "conv1", "norm2", "relu2", "conv2");
    }
}
