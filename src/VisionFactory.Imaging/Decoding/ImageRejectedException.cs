namespace VisionFactory.Imaging.Decoding;

/// <summary>An image that cannot be used, with a reason a person can act on.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException()
    {
    }

    public ImageRejectedException(string message)
        : base(message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
