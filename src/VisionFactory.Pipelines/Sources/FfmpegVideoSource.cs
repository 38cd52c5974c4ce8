using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using VisionFactory.Domain;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sources;

/// <summary>Settings of <c>video</c>.</summary>
public sealed class VideoSettings
{
    /// <summary>An rtsp:// (or rtsps://, http(s)://) stream, or a video file.</summary>
    public string Input { get; set; } = "";

    /// <summary>Frames per second to take from the input; 0 keeps the input's rate.</summary>
    public double Fps { get; set; }

    /// <summary>A file is read at its own speed, as a camera would deliver it (false: as fast as possible).</summary>
    public bool Realtime { get; set; } = true;

    public long MaxFrameBytes { get; set; } = 8 * 1024 * 1024;
}

/// <summary>
/// RTSP cameras and video files, decoded by Debian's ffmpeg into a stream of JPEG frames on its standard output.
/// ffmpeg is optional: without it this source refuses to start with a message saying how to install it.
/// </summary>
public sealed class FfmpegVideoSource(VideoSettings settings, string input) : IFrameSource
{
    public bool IsLive => input.Contains("://", StringComparison.Ordinal);

    /// <summary>The ffmpeg program on PATH, or null.</summary>
    public static string? FindFfmpeg() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "ffmpeg"))
            .FirstOrDefault(File.Exists);

    public static ProblemException Missing() => ProblemException.Invalid(
        "the video source needs ffmpeg, which is not installed on this machine: install it (apt-get install ffmpeg) to read RTSP cameras and video files");

    public async IAsyncEnumerable<byte[]> ConnectAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ffmpeg = FindFfmpeg() ?? throw Missing();
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            throw Missing();
        }

        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            using var splitter = new JpegStreamSplitter(settings.MaxFrameBytes);
            var buffer = new byte[65536];
            var stdout = process.StandardOutput.BaseStream;
            int read;
            while ((read = await stdout.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                foreach (var frame in splitter.Push(buffer.AsSpan(0, read)))
                {
                    yield return frame;
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private IEnumerable<string> Arguments()
    {
        yield return "-hide_banner";
        yield return "-loglevel";
        yield return "error";
        if (settings.Realtime && !IsLive)
        {
            yield return "-re";
        }

        if (input.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            yield return "-rtsp_transport";
            yield return "tcp";
        }

        yield return "-i";
        yield return input;
        if (settings.Fps > 0)
        {
            yield return "-vf";
            yield return "fps=" + settings.Fps.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var a in new[] { "-an", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "pipe:1" })
        {
            yield return a;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// Cuts a byte stream of concatenated JPEG files into frames: each runs from its start-of-image marker (FF D8) to its
/// end-of-image marker (FF D9); entropy-coded data never contains FF D9, because encoders stuff every FF with 00.
/// </summary>
public sealed class JpegStreamSplitter(long maxFrameBytes) : IDisposable
{
    private readonly MemoryStream current = new();
    private bool inFrame;
    private byte previous;

    public IReadOnlyList<byte[]> Push(ReadOnlySpan<byte> data)
    {
        var frames = new List<byte[]>();
        foreach (var b in data)
        {
            if (!inFrame)
            {
                if (previous == 0xFF && b == 0xD8)
                {
                    inFrame = true;
                    current.SetLength(0);
                    current.WriteByte(0xFF);
                    current.WriteByte(0xD8);
                }
            }
            else
            {
                current.WriteByte(b);
                if (previous == 0xFF && b == 0xD9)
                {
                    frames.Add(current.ToArray());
                    inFrame = false;
                    previous = 0;
                    continue;
                }

                if (current.Length > maxFrameBytes)
                {
                    // Too large to be a frame: skip to the next start marker.
                    inFrame = false;
                    current.SetLength(0);
                }
            }

            previous = b;
        }

        return frames;
    }

    public void Dispose() => current.Dispose();
}
