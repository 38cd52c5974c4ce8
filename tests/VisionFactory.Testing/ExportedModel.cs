using Microsoft.ML.OnnxRuntime;
using VisionFactory.Imaging.Decoding;

namespace VisionFactory.Testing;

/// <summary>
/// Classifies a picture with an exported <c>model.onnx</c> the way a user of the export package does, without the
/// product's engines: make it square as the metadata says, RGB 0..255 as [1, 3, S, S], run, read <c>probabilities</c>.
/// </summary>
public static class ExportedModel
{
    public static float[] Probabilities(InferenceSession session, byte[] picture, int size, SquareFit fit)
    {
        ArgumentNullException.ThrowIfNull(session);
        var rgb = ImageDecoder.DecodeSquare(picture, size, ImageLimits.Default, fit).Rgb;
        var pixels = new float[rgb.Length];
        for (var p = 0; p < size * size; p++)
        {
            for (var c = 0; c < 3; c++)
                pixels[(c * size * size) + p] = rgb[(p * 3) + c];
        }

        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, size, size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["image"], [input], ["probabilities"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
