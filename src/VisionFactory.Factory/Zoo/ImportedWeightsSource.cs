using TorchSharp.PyBridge;
using VisionFactory.Learning.Weights;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;
using static TorchSharp.torch;

namespace VisionFactory.Factory.Zoo;

/// <summary>Imported pretrained weights, read from the blob store (see <see cref="ZooService.ImportWeightsAsync"/>).</summary>
public sealed class ImportedWeightsSource(VisionFactoryDb db, BlobStore blobs) : IPretrainedWeightsSource
{
    public (string Key, Dictionary<string, Tensor> Weights)? Find(string architecture)
    {
        var record = db.ImportedWeights.Find(architecture);
        if (record is null)
        {
            return null;
        }

        using var stream = File.OpenRead(blobs.PathOf(record.Sha256));
        return ($"{architecture}@{record.Sha256[..12]}", Safetensors.LoadStateDict(stream));
    }
}
