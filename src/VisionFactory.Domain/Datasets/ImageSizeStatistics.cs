namespace VisionFactory.Domain.Datasets;

/// <summary>Summary of image dimensions, as shown by "dataset show".</summary>
public sealed record ImageSizeStatistics(
    int MinWidth, int MaxWidth, double MeanWidth, int MedianWidth,
    int MinHeight, int MaxHeight, double MeanHeight, int MedianHeight)
{
    public static ImageSizeStatistics From(IReadOnlyCollection<(int Width, int Height)> sizes)
    {
        if (sizes.Count == 0)
        {
            return new ImageSizeStatistics(0, 0, 0, 0, 0, 0, 0, 0);
        }

        var widths = sizes.Select(s => s.Width).Order().ToArray();
        var heights = sizes.Select(s => s.Height).Order().ToArray();
        return new ImageSizeStatistics(
            widths[0], widths[^1], widths.Average(), widths[widths.Length / 2],
            heights[0], heights[^1], heights.Average(), heights[heights.Length / 2]);
    }
}
