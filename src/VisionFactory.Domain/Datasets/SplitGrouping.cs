namespace VisionFactory.Domain.Datasets;

/// <summary>
/// How near-duplicates shaped a version's split: how many groups of look-alike images were kept in one split each,
/// how many images they hold, and how many images landed in another split than an ungrouped split would have put them.
/// </summary>
/// <param name="Groups">Groups of two or more near-duplicate images among the newly split images.</param>
/// <param name="ImagesInGroups">Images in those groups.</param>
/// <param name="Moved">Images whose split differs from the ungrouped stratified split.</param>
/// <param name="HashRadius">Two images were near-duplicates when their perceptual hashes differed in at most this many bits.</param>
/// <param name="DifferenceHashRadius">
/// Or when their difference hashes differed in at most this many bits (0: a split made before the difference hash was used).
/// </param>
public sealed record SplitGrouping(int Groups, int ImagesInGroups, int Moved, int HashRadius, int DifferenceHashRadius = 0);
