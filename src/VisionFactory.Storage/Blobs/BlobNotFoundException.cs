namespace VisionFactory.Storage.Blobs;

/// <summary>A blob the database refers to is missing from the store.</summary>
public sealed class BlobNotFoundException : Exception
{
    public BlobNotFoundException()
    {
    }

    public BlobNotFoundException(string sha256)
        : base($"blob {sha256} is missing from the store; the data directory may be damaged or incomplete")
    {
    }

    public BlobNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
