using System.Globalization;

namespace VisionFactory.Domain.Zoo;

/// <summary>
/// One published weights file of an architecture: its file name under the publisher's base address and its expected
/// SHA-256. torchvision's file names end in the first hex digits of the file's SHA-256 (<c>resnet18-f37072fd.pth</c>),
/// and torchvision checks only those; <see cref="Sha256"/> holds them, or the full digest where it is pinned.
/// </summary>
/// <param name="Architecture">The zoo's architecture name (torchvision's).</param>
/// <param name="FileName">The published file name, the same on the official server and on a mirror.</param>
/// <param name="Sha256">Lower-case hex: the prefix the file name carries, or the full 64-digit digest.</param>
/// <param name="Size">The file's size in bytes, when known.</param>
public sealed record PublishedWeightsFile(string Architecture, string FileName, string Sha256, long? Size = null)
{
    /// <summary>Whether <see cref="Sha256"/> is the whole digest rather than the prefix of the file name.</summary>
    public bool IsFullDigest => Sha256.Length == 64;

    /// <summary>Whether a file whose SHA-256 is <paramref name="actual"/> (hex) is this one.</summary>
    public bool Matches(string actual) =>
        actual is not null && actual.Length == 64 && actual.StartsWith(Sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The entry for a torchvision-style file name, the digest prefix read from the name's last <c>-hex.</c> part;
    /// null when the name carries none.
    /// </summary>
    public static PublishedWeightsFile? FromFileName(string architecture, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var dash = stem.LastIndexOf('-');
        var prefix = dash < 0 ? "" : stem[(dash + 1)..];
        return prefix.Length >= 8 && prefix.All(Uri.IsHexDigit)
            ? new PublishedWeightsFile(architecture, fileName, prefix.ToLowerInvariant())
            : null;
    }

    /// <summary>The digest as people read it: the full one, or the prefix followed by an ellipsis.</summary>
    public string DescribeDigest() => IsFullDigest ? Sha256 : string.Create(CultureInfo.InvariantCulture, $"{Sha256}… (prefix)");
}

/// <summary>
/// The ImageNet weights torchvision publishes for the zoo's architectures (its <c>IMAGENET1K_V1</c> files), by the
/// official address <see cref="OfficialBaseAddress"/> + file name. The digests are the prefixes the file names carry,
/// which is what torchvision itself checks; no full digest is pinned here, since none is published beside the files.
/// </summary>
public static class PublishedWeightsCatalog
{
    /// <summary>Where torchvision publishes its weights.</summary>
    public const string OfficialBaseAddress = "https://download.pytorch.org/models/";

    private static readonly (string Architecture, string File)[] TorchVision =
    [
        ("alexnet", "alexnet-owt-7be5be79.pth"),
        ("convnext_tiny", "convnext_tiny-983f1562.pth"),
        ("densenet121", "densenet121-a639ec97.pth"),
        ("densenet161", "densenet161-8d451a50.pth"),
        ("densenet169", "densenet169-b2777c0a.pth"),
        ("densenet201", "densenet201-c1103571.pth"),
        ("efficientnet_b0", "efficientnet_b0_rwightman-7f5810bc.pth"),
        ("efficientnet_b1", "efficientnet_b1_rwightman-bac287d4.pth"),
        ("efficientnet_b2", "efficientnet_b2_rwightman-c35c1473.pth"),
        ("efficientnet_b3", "efficientnet_b3_rwightman-b3899882.pth"),
        ("googlenet", "googlenet-1378be20.pth"),
        ("inception_v3", "inception_v3_google-0cc3c7bd.pth"),
        ("mnasnet0_5", "mnasnet0.5_top1_67.823-3ffadce67e.pth"),
        ("mnasnet0_75", "mnasnet0_75-7090bc5f.pth"),
        ("mnasnet1_0", "mnasnet1.0_top1_73.512-f206786ef8.pth"),
        ("mnasnet1_3", "mnasnet1_3-a4c69d6f.pth"),
        ("mobilenet_v2", "mobilenet_v2-b0353104.pth"),
        ("mobilenet_v3_large", "mobilenet_v3_large-8738ca79.pth"),
        ("mobilenet_v3_small", "mobilenet_v3_small-047dcff4.pth"),
        ("regnet_x_400mf", "regnet_x_400mf-adf1edd5.pth"),
        ("regnet_x_800mf", "regnet_x_800mf-ad17e45c.pth"),
        ("regnet_y_400mf", "regnet_y_400mf-c65dace8.pth"),
        ("regnet_y_800mf", "regnet_y_800mf-1b27b58c.pth"),
        ("resnet18", "resnet18-f37072fd.pth"),
        ("resnet34", "resnet34-b627a593.pth"),
        ("resnet50", "resnet50-0676ba61.pth"),
        ("resnet101", "resnet101-63fe2227.pth"),
        ("resnet152", "resnet152-394f9c45.pth"),
        ("resnext50_32x4d", "resnext50_32x4d-7cdf4587.pth"),
        ("resnext101_32x8d", "resnext101_32x8d-8ba56ff5.pth"),
        ("resnext101_64x4d", "resnext101_64x4d-173b62eb.pth"),
        ("shufflenet_v2_x0_5", "shufflenetv2_x0.5-f707e7126e.pth"),
        ("shufflenet_v2_x1_0", "shufflenetv2_x1-5666bf0f80.pth"),
        ("shufflenet_v2_x1_5", "shufflenetv2_x1_5-3c479a10.pth"),
        ("shufflenet_v2_x2_0", "shufflenetv2_x2_0-8be3c8ee.pth"),
        ("squeezenet1_0", "squeezenet1_0-b66bff10.pth"),
        ("squeezenet1_1", "squeezenet1_1-b8a52dc0.pth"),
        ("vgg11", "vgg11-8a719046.pth"),
        ("vgg11_bn", "vgg11_bn-6002323d.pth"),
        ("vgg13", "vgg13-19584684.pth"),
        ("vgg13_bn", "vgg13_bn-abd245e5.pth"),
        ("vgg16", "vgg16-397923af.pth"),
        ("vgg16_bn", "vgg16_bn-6c64b313.pth"),
        ("vgg19", "vgg19-dcbb9e9d.pth"),
        ("vgg19_bn", "vgg19_bn-c79401a0.pth"),
        ("wide_resnet50_2", "wide_resnet50_2-95faca4d.pth"),
        ("wide_resnet101_2", "wide_resnet101_2-32ee1156.pth"),
    ];

    /// <summary>Every file torchvision publishes for the zoo, one per architecture.</summary>
    public static IReadOnlyList<PublishedWeightsFile> Official { get; } =
        [.. TorchVision.Select(e => PublishedWeightsFile.FromFileName(e.Architecture, e.File)
            ?? throw new InvalidOperationException($"{e.File} carries no digest"))];

    /// <summary>Whether torchvision publishes weights for <paramref name="architecture"/>.</summary>
    public static bool IsPublished(string architecture) => Official.Any(e => e.Architecture == architecture);
}
