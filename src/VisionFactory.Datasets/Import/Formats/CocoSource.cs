using System.Text.Json;
using System.Text.Json.Serialization;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Import.Formats;

/// <summary>
/// A COCO-style classification JSON: <c>images</c> (id, file_name), <c>annotations</c> (image_id, category_id) and
/// <c>categories</c> (id, name). Each image takes its annotations' category; an image without one, or with several
/// different ones, is skipped with the reason.
/// </summary>
internal sealed class CocoSource(string path, ArchiveLimits limits) : ManifestSource(path, Parse(path), limits)
{
    private const long MaxManifestBytes = 512L << 20;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static List<ManifestRow> Parse(string path)
    {
        CheckSize(path, MaxManifestBytes);
        CocoFile? coco;
        try
        {
            using var stream = File.OpenRead(path);
            coco = JsonSerializer.Deserialize<CocoFile>(stream, Json);
        }
        catch (JsonException e)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(path)}' is not a readable COCO JSON: {e.Message}");
        }

        if (coco?.Images is null || coco.Categories is null || coco.Annotations is null)
        {
            throw ProblemException.Invalid($"'{Path.GetFileName(path)}' needs the arrays images, annotations and categories of a COCO file");
        }

        var categories = new Dictionary<long, string>();
        foreach (var category in coco.Categories)
        {
            categories[category.Id] = category.Name ?? "";
        }

        var byImage = coco.Annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.Select(a => a.CategoryId).Distinct().ToList());
        var rows = new List<ManifestRow>();
        foreach (var image in coco.Images)
        {
            var where = $"image {image.Id}";
            var file = image.FileName ?? "";
            if (!byImage.TryGetValue(image.Id, out var ids))
            {
                rows.Add(new ManifestRow(file, null, where, "has no annotation with a category"));
                continue;
            }

            var unknown = ids.Where(id => !categories.ContainsKey(id)).ToList();
            if (unknown.Count > 0)
            {
                throw ProblemException.Invalid($"{where}: category_id {unknown[0]} is not among the categories; nothing was imported");
            }

            rows.Add(ids.Count == 1
                ? new ManifestRow(file, categories[ids[0]], where)
                : new ManifestRow(file, null, where, $"has annotations of {ids.Count} categories ({string.Join(", ", ids.Select(i => categories[i]))}); a classification needs one"));
        }

        return rows;
    }

    private sealed record CocoFile(List<CocoImage>? Images, List<CocoAnnotation>? Annotations, List<CocoCategory>? Categories);

    private sealed record CocoImage(long Id, [property: JsonPropertyName("file_name")] string? FileName);

    private sealed record CocoAnnotation(
        [property: JsonPropertyName("image_id")] long ImageId,
        [property: JsonPropertyName("category_id")] long CategoryId);

    private sealed record CocoCategory(long Id, string? Name);
}
