using System.Runtime.CompilerServices;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sources;

/// <summary>Settings of <c>folder_watch</c>.</summary>
public sealed class FolderWatchSettings
{
    public string Path { get; set; } = "";

    public int PollMs { get; set; } = 500;

    public bool IncludeExisting { get; set; }

    public long MaxFrameBytes { get; set; } = 32 * 1024 * 1024;
}

/// <summary>
/// New image files in a folder (a camera or scanner that drops files): polled, each file read once when it has not
/// changed for a moment (so a file still being written is not read half-way). A quiet folder is not a stall.
/// </summary>
public sealed class FolderWatchSource(FolderWatchSettings settings, string folder, TimeProvider clock) : IFrameSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"];
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private bool primed;

    public bool IsLive => false;

    public async IAsyncEnumerable<byte[]> ConnectAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"the folder '{folder}' does not exist");
        }

        if (!primed && !settings.IncludeExisting)
        {
            seen.UnionWith(Files().Select(f => f.FullName));
        }

        primed = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            foreach (var file in Files().Where(f => !seen.Contains(f.FullName) && now - f.LastWriteTimeUtc > Settle).OrderBy(f => f.LastWriteTimeUtc))
            {
                seen.Add(file.FullName);
                if (file.Length > settings.MaxFrameBytes)
                {
                    continue;
                }

                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    continue;
                }

                yield return bytes;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(settings.PollMs), clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private IEnumerable<FileInfo> Files() =>
        new DirectoryInfo(folder).EnumerateFiles()
            .Where(f => Extensions.Contains(f.Extension, StringComparer.OrdinalIgnoreCase) && f.LinkTarget is null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
