using MetadataExtractor;
using MetadataExtractor.Formats.Jpeg;
using MetadataExtractor.Formats.Png;
using MetadataExtractor.Formats.WebP;

namespace VisionFactory.Imaging.Decoding;

/// <summary>
/// The dimensions a file's header claims, read by a metadata parser without decoding pixels. Used to name the limit
/// when the image codec itself refuses a header (libpng and libjpeg stop at sides past their own maximums).
/// </summary>
internal static class ClaimedSize
{
    public static (long Width, long Height)? Read(ReadOnlySpan<byte> encoded)
    {
        try
        {
            using var stream = new MemoryStream(encoded.ToArray(), writable: false);
            foreach (var directory in ImageMetadataReader.ReadMetadata(stream))
            {
                var tags = directory switch
                {
                    PngDirectory => (PngDirectory.TagImageWidth, PngDirectory.TagImageHeight),
                    JpegDirectory => (JpegDirectory.TagImageWidth, JpegDirectory.TagImageHeight),
                    WebPDirectory => (WebPDirectory.TagImageWidth, WebPDirectory.TagImageHeight),
                    _ => ((int, int)?)null,
                };
                if (tags is var (w, h) && directory.TryGetInt64(w, out var width) && directory.TryGetInt64(h, out var height))
                {
                    return (width, height);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only a hint for a clearer message: a header this parser cannot read is reported as unreadable by the caller.
        }

        return null;
    }
}
