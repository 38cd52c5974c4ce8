namespace VisionFactory.Learning.Data;

/// <summary>An image known by its content hash, with its class index.</summary>
public sealed record LabelledImage(string Sha256, int Label);
