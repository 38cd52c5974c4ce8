using VisionFactory.Learning.Weights;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory.Zoo;

/// <summary>Imported pretrained weights, kept in the blob store (see <see cref="ZooService.ImportWeightsAsync(string, string, string, CancellationToken)"/>).</summary>
public sealed class ImportedWeightsSource(VisionFactoryDb db, BlobStore blobs) : IImportedWeightsFiles
{
    public (string Key, string Path)? Find(string architecture)
    {
        var record = db.ImportedWeights.Find(architecture);
        return record is null ? null : ($"{architecture}@{record.Sha256[..12]}", blobs.PathOf(record.Sha256));
    }
}
