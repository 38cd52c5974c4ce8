using System.Collections;
using TorchSharp.PyBridge;
using VisionFactory.Domain;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>
/// Reads a state dict (tensors by name) from the formats users bring: PyTorch <c>.pt</c> / <c>.pth</c> (tensors
/// only), <c>.safetensors</c>, and ONNX initializers. Nothing that needs arbitrary pickled objects is accepted.
/// </summary>
public static class WeightFileReader
{
    /// <summary>Formats by file extension.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".pt", ".pth", ".safetensors", ".onnx"];

    /// <summary>Reads every tensor; the caller owns them.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw ProblemException.NotFound($"weights file '{path}' does not exist");
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return extension switch
            {
                ".pt" or ".pth" => FromPickle(path),
                ".safetensors" => Safetensors.LoadStateDict(path),
                ".onnx" => OnnxInitializerReader.ReadInitializers(path),
                _ => throw ProblemException.Invalid(
                    $"'{Path.GetFileName(path)}' is not a weights file this platform reads; use {string.Join(", ", Extensions)}"),
            };
        }
        catch (Exception e) when (e is not ProblemException && e is IOException or InvalidDataException or NotSupportedException
            or NotImplementedException or ArgumentException or InvalidCastException or FormatException or Razorvine.Pickle.PickleException
            or Google.Protobuf.InvalidProtocolBufferException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(path)}' cannot be read as {extension} weights: {e.Message}");
        }
    }

    // A PyTorch checkpoint is a pickle; only a mapping of names to tensors (possibly under "state_dict" or "model")
    // is accepted. The unpickler never runs code: unknown classes come back as plain data, and are refused here.
    // Files in PyTorch's legacy serialisation (before 1.6) are rewritten into the zip layout first (LegacyTorchFile).
    private static Dictionary<string, Tensor> FromPickle(string path)
    {
        Hashtable root;
        string? rewritten = null;
        try
        {
            if (LegacyTorchFile.IsLegacy(path))
            {
                rewritten = Path.Combine(Path.GetTempPath(), $"vf-legacy-{Guid.NewGuid():N}.pth");
                LegacyTorchFile.ConvertToZip(path, rewritten);
            }

            root = PyTorchUnpickler.UnpickleStateDict(rewritten ?? path);
        }
        catch (Razorvine.Pickle.PickleException e)
        {
            throw ProblemException.Invalid(
                $"'{Path.GetFileName(path)}' holds Python objects that are not tensors ({e.Message.Split(". ")[0]}): only state dicts of tensors are accepted; nothing was run or loaded");
        }
        finally
        {
            if (rewritten is not null)
            {
                File.Delete(rewritten);
            }
        }

        var table = root.ContainsKey("state_dict") && root["state_dict"] is Hashtable inner ? inner
            : root.ContainsKey("model") && root["model"] is Hashtable model ? model
            : root;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string name || entry.Value is not Tensor tensor)
            {
                foreach (var t in result.Values)
                {
                    t.Dispose();
                }

                throw ProblemException.Invalid(
                    $"'{Path.GetFileName(path)}' holds '{entry.Key}' of type {entry.Value?.GetType().Name ?? "null"}: only state dicts of tensors are accepted (save model.state_dict(), not the model)");
            }

            result[name.StartsWith("module.", StringComparison.Ordinal) ? name["module.".Length..] : name] = tensor;
        }

        return result;
    }
}
