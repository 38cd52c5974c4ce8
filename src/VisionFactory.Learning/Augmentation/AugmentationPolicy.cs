using VisionFactory.Domain.Models;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Data;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Augmentation;

/// <summary>
/// The random augmentations of finetune training, applied to a [N, 3, S, S] batch of 0..255 pixels before
/// normalisation. Head mode trains on features cached from the unaugmented images, so none of this applies there.
/// </summary>
/// <remarks>
/// Every image of a batch gets its own rotation, crop and colour factors. TorchVision's functional transforms take
/// one angle or factor per call and clamp float images to 0..1, so the geometry here is one grid_sample over the
/// whole batch (rotation and crop in one resampling) and the colour jitter is torchvision's blend arithmetic
/// with per-image factors, clamped to 0..255.
/// </remarks>
public sealed record AugmentationPolicy
{
    /// <summary>Aspect ratios of random-resized crops, as torchvision's RandomResizedCrop: 3/4 .. 4/3.</summary>
    public const double MinCropAspect = 3.0 / 4, MaxCropAspect = 4.0 / 3;

    // ITU-R 601 luma weights, as torchvision's rgb_to_grayscale.
    private static readonly float[] LumaRgb = [0.2989f, 0.587f, 0.114f];

    public bool HorizontalFlip { get; init; }

    /// <summary>Largest rotation either way, in degrees; 0 = none.</summary>
    public double RotationDegrees { get; init; }

    /// <summary>Smallest share of the area a crop keeps; 1 = no cropping.</summary>
    public double CropMinScale { get; init; } = 1;

    /// <summary>Brightness, contrast and saturation factors lie in [1 - strength, 1 + strength]; 0 = none.</summary>
    public double ColorJitter { get; init; }

    /// <summary>Nothing changes.</summary>
    public static AugmentationPolicy None { get; } = new();

    /// <summary>The augmentations a spec asks for.</summary>
    public static AugmentationPolicy For(TrainingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new AugmentationPolicy
        {
            HorizontalFlip = spec.HorizontalFlip,
            RotationDegrees = spec.RotationDegrees,
            CropMinScale = spec.CropMinScale,
            ColorJitter = spec.ColorJitter,
        };
    }

    /// <summary>
    /// Draws the augmentation of each of <paramref name="count"/> images. Every image consumes the same numbers from
    /// <paramref name="random"/> whatever is switched on, so turning one augmentation on leaves the others' draws alone.
    /// </summary>
    public IReadOnlyList<ImageAugmentation> Draw(StableRandom random, int count)
    {
        ArgumentNullException.ThrowIfNull(random);
        var draws = new ImageAugmentation[count];
        for (var i = 0; i < count; i++)
        {
            var flip = random.NextDouble() < 0.5;
            var angle = random.NextDouble(-1, 1);
            var scale = random.NextDouble(CropMinScale, 1);
            var aspect = Math.Exp(random.NextDouble(Math.Log(MinCropAspect), Math.Log(MaxCropAspect)));
            var (cx, cy) = (random.NextDouble(-1, 1), random.NextDouble(-1, 1));
            var (brightness, contrast, saturation) = (random.NextDouble(-1, 1), random.NextDouble(-1, 1), random.NextDouble(-1, 1));

            var cropped = CropMinScale < 1;
            var width = cropped ? Math.Min(1, Math.Sqrt(scale * aspect)) : 1;
            var height = cropped ? Math.Min(1, Math.Sqrt(scale / aspect)) : 1;
            draws[i] = new ImageAugmentation(
                HorizontalFlip && flip,
                RotationDegrees * angle,
                width,
                height,
                cx * (1 - width),
                cy * (1 - height),
                1 + (ColorJitter * brightness),
                1 + (ColorJitter * contrast),
                1 + (ColorJitter * saturation));
        }

        return draws;
    }

    /// <summary>
    /// Rotates, crops and colour-jitters a [N, 3, S, S] batch of 0..255 pixels (flips are done while assembling it);
    /// the result has the same shape and range and belongs to the caller's dispose scope.
    /// </summary>
    /// <param name="raw">The batch.</param>
    /// <param name="draws">One augmentation per image.</param>
    /// <param name="bgr">The channels are blue, green, red.</param>
    public static Tensor Apply(Tensor raw, IReadOnlyList<ImageAugmentation> draws, bool bgr)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(draws);
        if (raw.shape[0] != draws.Count)
        {
            throw new ArgumentException($"{raw.shape[0]} images but {draws.Count} augmentations", nameof(draws));
        }

        var x = raw;
        if (draws.Any(d => d.IsGeometric))
        {
            x = Resample(x, draws);
        }

        if (draws.Any(d => d.IsPhotometric))
        {
            x = Jitter(x, draws, bgr);
        }

        return x;
    }

    // Output pixel o samples the input at crop(rotate(o)): [w 0; 0 h] R o + c in grid_sample's -1..1 coordinates.
    // The grid is affine_grid's, computed element-wise: affine_grid multiplies through BLAS, whose rounding can depend on
    // the alignment of the managed array under theta, and a resumed run must see bit-identical batches.
    private static Tensor Resample(Tensor x, IReadOnlyList<ImageAugmentation> draws)
    {
        var n = draws.Count;
        var size = x.shape[^1];
        var coefficients = new float[6][];
        for (var k = 0; k < 6; k++)
        {
            coefficients[k] = new float[n];
        }

        for (var i = 0; i < n; i++)
        {
            var d = draws[i];
            var (sin, cos) = Math.SinCos(d.RotationDegrees * Math.PI / 180);
            coefficients[0][i] = (float)(d.CropWidth * cos);
            coefficients[1][i] = (float)(-d.CropWidth * sin);
            coefficients[2][i] = (float)d.CropCenterX;
            coefficients[3][i] = (float)(d.CropHeight * sin);
            coefficients[4][i] = (float)(d.CropHeight * cos);
            coefficients[5][i] = (float)d.CropCenterY;
        }

        var t = coefficients.Select(c => tensor(c, [n, 1, 1])).ToArray();

        // Pixel centres with align_corners=false: (2i + 1) / S - 1.
        var centres = (arange(size, dtype: ScalarType.Float32) * 2 + 1) / size - 1;
        var xs = centres.view(1, 1, size);
        var ys = centres.view(1, size, 1);
        var gridX = (t[0] * xs) + (t[1] * ys) + t[2];
        var gridY = (t[3] * xs) + (t[4] * ys) + t[5];
        var grid = stack([gridX, gridY], dim: -1);
        return nn.functional.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
    }

    // torchvision's adjust_brightness, adjust_contrast and adjust_saturation, in that order, with per-image factors.
    private static Tensor Jitter(Tensor x, IReadOnlyList<ImageAugmentation> draws, bool bgr)
    {
        var n = draws.Count;
        var brightness = tensor(draws.Select(d => (float)d.Brightness).ToArray(), [n, 1, 1, 1]);
        var contrast = tensor(draws.Select(d => (float)d.Contrast).ToArray(), [n, 1, 1, 1]);
        var saturation = tensor(draws.Select(d => (float)d.Saturation).ToArray(), [n, 1, 1, 1]);
        var luma = tensor(bgr ? [LumaRgb[2], LumaRgb[1], LumaRgb[0]] : LumaRgb, [1, 3, 1, 1]);

        // Held Scalars, not numbers: see HeldScalars.
        x = (x * brightness).clamp_(HeldScalars.Zero, HeldScalars.MaxPixel);
        var meanGrey = (x * luma).sum(1, keepdim: true).mean([1, 2, 3], keepdim: true);
        x = (x - meanGrey).mul_(contrast).add_(meanGrey, HeldScalars.One).clamp_(HeldScalars.Zero, HeldScalars.MaxPixel);
        var grey = (x * luma).sum(1, keepdim: true);
        return (x - grey).mul_(saturation).add_(grey, HeldScalars.One).clamp_(HeldScalars.Zero, HeldScalars.MaxPixel);
    }
}
