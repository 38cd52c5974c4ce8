using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Models;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Overlays;
using VisionFactory.Learning.Explanations;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Explanations;

/// <summary>What to explain and how to draw it.</summary>
/// <param name="Method">CAM, Grad-CAM (default) or Grad-CAM++.</param>
/// <param name="Layer">The target layer by module path; null picks the last feature map larger than 1 x 1.</param>
/// <param name="Class">The class to explain, by name (or index); null explains the predicted class.</param>
/// <param name="Opacity">How strongly the heat colours cover the image, 0..1.</param>
/// <param name="Size">Side of the picture in pixels (the heat map is smoothed to it).</param>
public sealed record ExplanationRequest(
    ExplanationMethod Method = ExplanationMethod.GradCam, string? Layer = null, string? Class = null, double Opacity = 0.5, int Size = 224)
{
    public const int MaxSize = 1024;
}

/// <summary>A classified image with the heat map of what decided it, drawn over the image.</summary>
/// <param name="Model">The model.</param>
/// <param name="File">The image's name.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="ExplainedClass">The class the heat map shows evidence for.</param>
/// <param name="Probabilities">Every class's probability.</param>
/// <param name="Method">cam, gradcam or gradcam++.</param>
/// <param name="Layer">The feature-map layer used.</param>
/// <param name="Png">The image with the heat map blended over it.</param>
public sealed record Explanation(
    string Model, string File, string Label, double Confidence, string ExplainedClass, Dictionary<string, double> Probabilities,
    string Method, string Layer, byte[] Png);

/// <summary>Explains a model's decision on an uploaded image or on a stored one: CAM, Grad-CAM or Grad-CAM++ as a PNG overlay.</summary>
public sealed class ExplanationService(VisionFactoryDb db, ModelService models, BlobStore blobs, ImageLimits limits, ExplanationNetworks networks)
{
    public async Task<Explanation> ExplainAsync(
        string id, string file, byte[] image, ExplanationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Size < 16 || request.Size > ExplanationRequest.MaxSize)
        {
            throw ProblemException.Invalid($"size must be between 16 and {ExplanationRequest.MaxSize} pixels");
        }

        if (!double.IsFinite(request.Opacity) || request.Opacity < 0 || request.Opacity > 1)
        {
            throw ProblemException.Invalid("opacity must be between 0 and 1");
        }

        var model = await models.GetAsync(id, cancellationToken).ConfigureAwait(false);
        int? classIndex = request.Class is { Length: > 0 } name ? model.ClassIndexOf(name) : null;
        return await networks.UseAsync(
            model,
            models.Load,
            network =>
            {
                byte[] input, picture;
                try
                {
                    // The picture under the heat map is the part of the image the network saw.
                    input = ImageDecoder.DecodeSquare(image, network.ImageSize, limits, network.Fit).Rgb;
                    picture = ImageDecoder.DecodeSquare(image, request.Size, limits, network.Fit).Rgb;
                }
                catch (ImageRejectedException e)
                {
                    throw ProblemException.Invalid($"{file} cannot be explained: {e.Message}");
                }

                cancellationToken.ThrowIfCancellationRequested();
                var map = HeatMapExplainer.Explain(network, [input], request.Method, request.Layer, classIndex).Single();
                var predicted = Array.IndexOf(map.Probabilities, map.Probabilities.Max());
                return new Explanation(
                    model.Id,
                    file,
                    model.Classes[predicted],
                    map.Probabilities[predicted],
                    model.Classes[map.ClassIndex],
                    model.Classes.Select((c, i) => (c, p: (double)map.Probabilities[i])).ToDictionary(x => x.c, x => x.p, StringComparer.Ordinal),
                    ExplanationMethods.NameOf(map.Method),
                    map.Layer,
                    HeatMapOverlay.RenderPng(picture, request.Size, map.Heat, map.Size, request.Opacity));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Explains an image already imported into a dataset, by its sha256.</summary>
    public async Task<Explanation> ExplainStoredAsync(string id, string sha256, ExplanationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        var item = sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower)
            ? await db.Images.AsNoTracking().Where(i => i.Sha256 == sha256).Select(i => new { i.SourcePath }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            : null;
        if (item is null || !blobs.Exists(sha256))
        {
            throw ProblemException.NotFound($"no imported image has sha256 '{sha256}'");
        }

        return await ExplainAsync(id, item.SourcePath, blobs.ReadAllBytes(sha256), request, cancellationToken).ConfigureAwait(false);
    }
}
