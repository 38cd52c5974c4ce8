namespace VisionFactory.Datasets.Import;

/// <summary>How far an import has come.</summary>
public sealed record ImportProgress(int Done, int Total, int Skipped, string? CurrentFile);
