using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Explanations;
using VisionFactory.Learning.Native;
using VisionFactory.Learning.Tests.Training;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Explanations;

/// <summary>
/// Heat maps that are right, not just produced: the zoo's small CNN, trained for a few seconds to tell images with a
/// bright square from images without, must put its evidence on the square of images it has never seen.
/// </summary>
[Collection(TrainingRuns.Name)]
public sealed class HeatMapExplainerTests : IClassFixture<BrightSquareModel>
{
    private readonly BrightSquareModel trained;

    public HeatMapExplainerTests(BrightSquareModel trained)
    {
        this.trained = trained;
    }

    [Theory]
    [InlineData(ExplanationMethod.GradCam)]
    [InlineData(ExplanationMethod.GradCamPlusPlus)]
    [InlineData(ExplanationMethod.Cam)]
    public void HeatMapPeakFallsInsideTheBrightSquareOfHeldOutImages(ExplanationMethod method)
    {
        var heldOut = BrightSquareModel.Images(count: 24, seed: 9001, withSquare: true);

        var maps = HeatMapExplainer.Explain(trained.Network, [.. heldOut.Select(i => i.Rgb)], method, classIndex: 1);

        var peaksInside = 0;
        var ious = new List<double>();
        for (var i = 0; i < heldOut.Count; i++)
        {
            var (rgb, square) = heldOut[i];
            var heat = maps[i].Heat;
            var peak = Array.IndexOf(heat, heat.Max());
            peaksInside += square.Contains(peak % BrightSquareModel.Size, peak / BrightSquareModel.Size) ? 1 : 0;
            ious.Add(BrightSquareModel.IoU(heat, square, threshold: 0.5f));
            Assert.Equal(3 * BrightSquareModel.Size * BrightSquareModel.Size, rgb.Length);
        }

        Assert.True(peaksInside >= heldOut.Count * 0.9, $"{method}: the peak fell inside the square in only {peaksInside} of {heldOut.Count} images");
        Assert.True(ious.Average() > 0.5, $"{method}: mean IoU of the thresholded map with the square is {ious.Average():0.00}");
        Assert.Equal(BrightSquareModel.FeatureLayer, maps[0].Layer);
    }

    [Fact]
    public void CamEqualsGradCamForAGlobalAveragePoolAndLinearHead()
    {
        var images = BrightSquareModel.Images(count: 6, seed: 77, withSquare: true).Select(i => i.Rgb).ToList();
        images.AddRange(BrightSquareModel.Images(count: 2, seed: 78, withSquare: false).Select(i => i.Rgb));

        var cam = HeatMapExplainer.Explain(trained.Network, images, ExplanationMethod.Cam);
        var gradCam = HeatMapExplainer.Explain(trained.Network, images, ExplanationMethod.GradCam);

        for (var i = 0; i < images.Count; i++)
        {
            Assert.Equal(cam[i].ClassIndex, gradCam[i].ClassIndex);
            var largest = cam[i].Heat.Zip(gradCam[i].Heat, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(largest < 1e-4, $"image {i}: CAM and Grad-CAM differ by up to {largest}");
        }
    }

    [Fact]
    public void ProbabilitiesAndPredictedClassComeWithTheMap()
    {
        var image = BrightSquareModel.Images(count: 1, seed: 5, withSquare: true)[0].Rgb;

        var map = HeatMapExplainer.Explain(trained.Network, [image], ExplanationMethod.GradCam).Single();

        Assert.Equal(2, map.Probabilities.Length);
        Assert.Equal(1, map.Probabilities.Sum(), 4);
        Assert.Equal(Array.IndexOf(map.Probabilities, map.Probabilities.Max()), map.ClassIndex);
        Assert.Equal(BrightSquareModel.Size * BrightSquareModel.Size, map.Heat.Length);
        Assert.InRange(map.Heat.Min(), 0, 1);
        Assert.Equal(1, map.Heat.Max(), 4);
    }

    [Fact]
    public void UnknownLayerFailsListingTheLayersThatCanBeChosen()
    {
        var image = BrightSquareModel.Images(count: 1, seed: 5, withSquare: true)[0].Rgb;

        var problem = Assert.Throws<ProblemException>(() => HeatMapExplainer.Explain(trained.Network, [image], ExplanationMethod.GradCam, layer: "layer9"));

        Assert.Contains("no feature-map layer 'layer9'", problem.Message, StringComparison.Ordinal);
        Assert.Contains(BrightSquareModel.FeatureLayer, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEarlierLayerCanBeChosenByName()
    {
        var image = BrightSquareModel.Images(count: 1, seed: 5, withSquare: true)[0].Rgb;

        var map = HeatMapExplainer.Explain(trained.Network, [image], ExplanationMethod.GradCam, layer: "features.8").Single();

        Assert.Equal("features.8", map.Layer);
        Assert.Equal(1, map.Heat.Max(), 4);
    }

    [Fact]
    public void CamIsRefusedWhereTheHeadIsNotOneLinearLayerOverThePooledMap()
    {
        using var vgg = ArchitectureCatalog.Default.Get("vgg11").Build(2, 64, loadPretrained: false);
        var image = new byte[3 * 64 * 64];

        var problem = Assert.Throws<ProblemException>(() => HeatMapExplainer.Explain(vgg, [image], ExplanationMethod.Cam));

        Assert.Contains("use gradcam", problem.Message, StringComparison.Ordinal);
        Assert.Single(HeatMapExplainer.Explain(vgg, [image], ExplanationMethod.GradCam));
    }

    [Theory]
    [InlineData(224, "layer4")]
    [InlineData(32, "layer3")]
    public void DefaultTargetOfResNetIsItsLastFeatureMapLargerThanOnePixel(int size, string expected)
    {
        TorchNativeLibrary.EnsureLoaded();
        using var network = ArchitectureCatalog.Default.Get("resnet18").Build(2, size, loadPretrained: false);

        var layer = FeatureMapLayers.Choose(network, null);

        Assert.Equal(expected, layer.Name);
        Assert.True(layer.Height > 1);
    }
}

/// <summary>The zoo's small_cnn trained for a few seconds on 32 px images of dark noise: a bright filled square (class 1) or a bright frame (class 0).</summary>
public sealed class BrightSquareModel : IDisposable
{
    public const int Size = 32;
    public const int Side = 12;

    /// <summary>small_cnn's last ReLU: its last feature map larger than 1 x 1 (8 x 8 at 32 px).</summary>
    public const string FeatureLayer = "features.16";

    public BrightSquareModel()
    {
        TorchNativeLibrary.EnsureLoaded();
        manual_seed(11);
        Network = ArchitectureCatalog.Default.Get("small_cnn").Build(2, Size, loadPretrained: false);
        var images = Images(96, seed: 1, withSquare: true).Select(i => (i.Rgb, Label: 1L))
            .Concat(Images(96, seed: 2, withSquare: false).Select(i => (i.Rgb, Label: 0L)))
            .OrderBy(i => i.Rgb[7]).ThenBy(i => i.Rgb[11])
            .ToList();
        using var optimizer = optim.Adam(Network.Module.parameters(), lr: 3e-3);
        Network.Module.train();
        for (var epoch = 0; epoch < 6; epoch++)
        {
            foreach (var batch in images.Chunk(16))
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var raw = Data.BatchAssembler.Assemble([.. batch.Select(b => b.Rgb)], Size, Network.Input.Bgr);
                var logits = Network.Logits(Network.Input.Apply(raw));
                var loss = nn.functional.cross_entropy(logits, tensor(batch.Select(b => b.Label).ToArray()));
                loss.backward();
                optimizer.step();
            }
        }

        Network.Module.eval();
    }

    public ClassifierNetwork Network { get; }

    /// <summary>RGB images at <see cref="Size"/> px: noise in 0..70 and, somewhere, a filled square of 215..255 (<paramref name="withSquare"/>) or only its 2 px frame.</summary>
    public static List<(byte[] Rgb, Square Square)> Images(int count, int seed, bool withSquare)
    {
        var random = new Random(seed);
        var result = new List<(byte[], Square)>(count);
        for (var n = 0; n < count; n++)
        {
            var rgb = new byte[Size * Size * 3];
            for (var i = 0; i < rgb.Length; i++)
            {
                rgb[i] = (byte)random.Next(0, 70);
            }

            var square = new Square(random.Next(0, Size - Side + 1), random.Next(0, Size - Side + 1), Side);
            // Images without the square get a bright frame of the same size instead, so that edges alone do not tell
            // the classes apart: the network must look at the filled square itself.
            for (var y = square.Top; y < square.Top + Side; y++)
            {
                for (var x = square.Left; x < square.Left + Side; x++)
                {
                    var edge = x - square.Left < 2 || y - square.Top < 2 || square.Left + Side - 1 - x < 2 || square.Top + Side - 1 - y < 2;
                    if (withSquare || edge)
                    {
                        for (var c = 0; c < 3; c++)
                        {
                            rgb[((y * Size) + x) * 3 + c] = (byte)random.Next(215, 256);
                        }
                    }
                }
            }

            result.Add((rgb, square));
        }

        return result;
    }

    /// <summary>Intersection over union of the map's pixels at or above <paramref name="threshold"/> with the square.</summary>
    public static double IoU(float[] heat, Square square, float threshold)
    {
        int both = 0, either = 0;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var hot = heat[(y * Size) + x] >= threshold;
                var inside = square.Contains(x, y);
                both += hot && inside ? 1 : 0;
                either += hot || inside ? 1 : 0;
            }
        }

        return either == 0 ? 0 : (double)both / either;
    }

    public void Dispose() => Network.Dispose();

    public readonly record struct Square(int Left, int Top, int Side)
    {
        public bool Contains(int x, int y) => x >= Left && x < Left + Side && y >= Top && y < Top + Side;
    }
}
