namespace VisionFactory.Datasets.Collect.Web;

/// <summary>A download that was refused or failed, with the reason (an I/O failure for the importer: the file is skipped).</summary>
public sealed class WebFetchException : IOException
{
    public WebFetchException()
    {
    }

    public WebFetchException(string message)
        : base(message)
    {
    }

    public WebFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
