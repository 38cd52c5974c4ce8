using System.Globalization;
using System.Text;
using System.Text.Json;
using VisionFactory.Pipelines.Definitions;
using VisionFactory.Pipelines.Runtime;

namespace VisionFactory.Pipelines.Sinks;

/// <summary>The format of a <c>file</c> sink.</summary>
public enum FileSinkFormat
{
    Jsonl,
    Csv,
}

/// <summary>Settings of <c>file</c>.</summary>
public sealed class FileSinkSettings
{
    /// <summary>A file name (no folders): the file is written in the installation's exports folder.</summary>
    public string FileName { get; set; } = "";

    public FileSinkFormat Format { get; set; } = FileSinkFormat.Jsonl;
}

/// <summary>Appends results to a CSV file (one row per label or face) or a JSON-lines file (one document per frame).</summary>
public sealed class FileSink : IResultSink
{
    private readonly FileSinkSettings settings;
    private readonly StreamWriter writer;

    public FileSink(FileSinkSettings settings, string exportsFolder)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.settings = settings;
        Directory.CreateDirectory(exportsFolder);
        Path = System.IO.Path.Combine(exportsFolder, settings.FileName);
        var isNew = !File.Exists(Path) || new FileInfo(Path).Length == 0;
        writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        if (isNew && settings.Format == FileSinkFormat.Csv)
        {
            writer.WriteLine("pipeline,version,sequence,captured_at,face_x,face_y,face_width,face_height,label,confidence");
        }
    }

    public string Path { get; }

    public bool WantsThumbnail => false;

    public async Task WriteAsync(FrameResult result, CancellationToken cancellationToken)
    {
        var document = ResultDocument.From(result);
        if (settings.Format == FileSinkFormat.Jsonl)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(document, PipelineJson.Compact).AsMemory(), cancellationToken).ConfigureAwait(false);
            return;
        }

        var rows = document.Detections.Count == 0 ? [new(null, null, null, null, null, null, null)] : document.Detections;
        var text = new StringBuilder();
        foreach (var d in rows)
        {
            text.AppendLine(string.Join(',',
                Csv(document.Pipeline), document.Version.ToString(CultureInfo.InvariantCulture), document.Sequence.ToString(CultureInfo.InvariantCulture),
                document.CapturedAt.ToString("O", CultureInfo.InvariantCulture), Show(d.X), Show(d.Y), Show(d.Width), Show(d.Height),
                Csv(d.Label ?? ""), d.Confidence?.ToString("0.######", CultureInfo.InvariantCulture) ?? ""));
        }

        await writer.WriteAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    // Quoted when needed; a leading = + - @ is neutralised so that a spreadsheet never runs a label as a formula.
    private static string Csv(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public async ValueTask DisposeAsync() => await writer.DisposeAsync().ConfigureAwait(false);
}
