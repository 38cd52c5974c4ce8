namespace VisionFactory.Imaging.Decoding;

/// <summary>What an image's header says, read without decoding pixels.</summary>
public sealed record ImageHeader(int Width, int Height, string Format);
