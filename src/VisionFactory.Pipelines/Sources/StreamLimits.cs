namespace VisionFactory.Pipelines.Sources;

/// <summary>Reads a body into memory up to a limit; a frame past the limit is refused, never buffered whole.</summary>
internal static class StreamLimits
{
    public static async Task<byte[]> ReadAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new InvalidDataException($"a frame is larger than the {maxBytes / 1048576.0:0.#} MiB frame limit (max_frame_bytes)");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
