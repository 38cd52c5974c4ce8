using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionFactory.Learning.Zoo;

/// <summary>
/// A basic-block ResNet with torchvision's layout and parameter names (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c>, ..., <c>layer2.0.downsample.0</c> / <c>.1</c>, <c>fc</c>), so torchvision state dicts
/// load one to one. Input: <c>[N, 3, H, W]</c> float; output: <c>[N, numClasses]</c> logits.
/// </summary>
/// <remarks>
/// Each forward pass runs inside its own dispose scope, so only the returned tensor survives; callers should still
/// wrap every batch in <c>torch.NewDisposeScope()</c>.
/// </remarks>
public sealed class ResNet : Module<Tensor, Tensor>, IOnnxEmittable
{
    /// <summary>Width of the pooled feature vector (the input of <c>fc</c>).</summary>
    public const int FeatureCount = 512;

    private static readonly int[] StageWidths = [64, 128, 256, 512];

#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;
#pragma warning restore IDE1006

    /// <summary>Creates the network with torchvision's initialisation (Kaiming-normal convolutions, unit batch norms).</summary>
    /// <param name="numClasses">Outputs of the <c>fc</c> head.</param>
    /// <param name="stageDepths">Basic blocks per stage (four stages); default <see cref="PackagedStageDepths"/>. ResNet-18 is [2, 2, 2, 2], ResNet-34 [3, 4, 6, 3].</param>
    /// <param name="name">The module name.</param>
    public ResNet(int numClasses, IReadOnlyList<int>? stageDepths = null, string name = "ResNet")
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var depths = (stageDepths ?? PackagedStageDepths).ToArray();
        if (depths.Length != 4 || depths.Any(d => d < 1))
            throw new ArgumentException("A ResNet needs four stages of at least one block each.", nameof(stageDepths));
        StageDepths = depths;
        NumClasses = numClasses;

        conv1 = Conv2d(3, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        relu = ReLU(inplace: true);
        maxpool = MaxPool2d(kernel_size: 3, stride: 2, padding: 1);
        layer1 = Stage(64, StageWidths[0], depths[0], stride: 1);
        layer2 = Stage(StageWidths[0], StageWidths[1], depths[1], stride: 2);
        layer3 = Stage(StageWidths[1], StageWidths[2], depths[2], stride: 2);
        layer4 = Stage(StageWidths[2], StageWidths[3], depths[3], stride: 2);
        avgpool = AdaptiveAvgPool2d([1, 1]);
        fc = Linear(FeatureCount, numClasses);
        RegisterComponents();

        using (no_grad())
        {
            foreach (var (_, module) in named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                        break;
                    case BatchNorm2d bn:
                        init.ones_(bn.weight);
                        init.zeros_(bn.bias);
                        break;
                }
            }
        }
    }

    /// <summary>The stage depths of the ImageNet network packaged in Microsoft.ML.DnnImageFeaturizer.ResNet18: [2, 2, 2, 3].</summary>
    public static IReadOnlyList<int> PackagedStageDepths { get; } = [2, 2, 2, 3];

    /// <summary>Basic blocks per stage.</summary>
    public IReadOnlyList<int> StageDepths { get; }

    /// <summary>Outputs of the <c>fc</c> head.</summary>
    public int NumClasses { get; }

    /// <summary>The last convolutional feature map, <c>[N, 512, H/32, W/32]</c> (the output of <c>layer4</c>, before pooling); the target layer for CAM and Grad-CAM.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var y = maxpool.call(relu.call(bn1.call(conv1.call(x))));
        y = layer4.call(layer3.call(layer2.call(layer1.call(y))));
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The 512-d global-average-pooled features, <c>[N, 512]</c>.</summary>
    public Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Pool(FeatureMap(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from a feature map returned by <see cref="FeatureMap"/> (pool, then <c>fc</c>); with it, Grad-CAM can keep the map and its gradient.</summary>
    public Tensor Head(Tensor featureMap)
    {
        ArgumentNullException.ThrowIfNull(featureMap);
        using var scope = NewDisposeScope();
        return fc.call(Pool(featureMap)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits, <c>fc(Features(x))</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return fc.call(Features(input)).MoveToOuterDisposeScope();
    }

    private Tensor Pool(Tensor featureMap) => avgpool.call(featureMap).flatten(1);

    Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input)
    {
        var y = trace.Children(path, this, input, "conv1+bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool");
        return trace.Child(path, this, "fc", trace.Flatten(path + ".flatten", y));
    }


    private static Sequential Stage(int inChannels, int outChannels, int blocks, int stride)
    {
        var modules = new List<Module<Tensor, Tensor>> { new BasicBlock(inChannels, outChannels, stride) };
        for (var i = 1; i < blocks; i++)
            modules.Add(new BasicBlock(outChannels, outChannels, 1));
        return Sequential(modules);
    }

    /// <summary>Two 3x3 convolutions with a residual connection; a 1x1 convolution plus batch norm (<c>downsample</c>) when the shape changes.</summary>
    private sealed class BasicBlock : Module<Tensor, Tensor>, IOnnxEmittable
    {
#pragma warning disable IDE1006 // Field names are torchvision's parameter names.
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly ReLU relu;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Sequential? downsample;
#pragma warning restore IDE1006

        public BasicBlock(int inChannels, int outChannels, int stride)
            : base(nameof(BasicBlock))
        {
            conv1 = Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(outChannels);
            relu = ReLU(inplace: true);
            conv2 = Conv2d(outChannels, outChannels, kernel_size: 3, stride: 1, padding: 1, bias: false);
            bn2 = BatchNorm2d(outChannels);
            if (stride != 1 || inChannels != outChannels)
            {
                downsample = Sequential(
                    Conv2d(inChannels, outChannels, kernel_size: 1, stride: stride, bias: false),
                    BatchNorm2d(outChannels));
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var y = relu.call(bn1.call(conv1.call(input)));
            y = bn2.call(conv2.call(y));
            var identity = downsample is null ? input : downsample.call(input);
            return y.add_(identity, HeldScalars.One).relu_().MoveToOuterDisposeScope();
        }

        Traced IOnnxEmittable.EmitOnnx(OnnxTrace trace, string path, Traced input) =>
            trace.ResidualBlock(path, this, input, "conv1+bn1", "relu", "conv2+bn2");
    }
}
