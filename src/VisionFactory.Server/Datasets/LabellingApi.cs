using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;

namespace VisionFactory.Server.Datasets;

/// <summary>
/// Labelling in bulk: <c>POST /api/datasets/{name}/labels</c> labels images of the pool, relabels and excludes images in
/// one new version with a change summary; <c>POST /api/datasets/{name}/versions/{number}/restore</c> goes back to an
/// earlier version (undo). Both need the editor role.
/// </summary>
public static class LabellingApi
{
    public static RouteGroupBuilder MapLabelling(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/{name}/labels", Label)
            .WithName("LabelDatasetImages")
            .WithSummary("Labels images of the pool, relabels and excludes images in one new version derived from the newest one, with a summary of the change.")
            .WithDescription(
                "JSON: {\"labels\": [{\"image\": sha256 or imported path, \"class\": name}], \"exclude\": [sha256 or path]}; at most " +
                $"{DatasetEditor.MaxImagesPerChange} images. A new class name is appended to the classes. Images of the pool get a " +
                "train / validation / test split as an import would give them; labelled images keep theirs. Undo: restore 'previous'.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/{name}/versions/{number}/restore", Restore)
            .WithName("RestoreDatasetVersion")
            .WithSummary("Goes back to an earlier version: a new version with exactly its images, labels and splits (undo of the changes after it).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Created<LabelResponse>> Label(
        string name, LabelRequest body, DatasetEditor editor, CancellationToken cancellationToken)
    {
        var changes = (body.Labels ?? []).Select(l => new LabelChange(l.Image ?? "", l.Class))
            .Concat((body.Exclude ?? []).Select(e => new LabelChange(e ?? "", null, Exclude: true)))
            .ToList();
        var result = await editor.LabelAsync(name, changes, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created(
            $"/api/datasets/{Uri.EscapeDataString(name)}?version={result.Version.Number}",
            new LabelResponse(name, result.Version.Number, result.Previous, result.Labelled, result.Relabelled, result.Excluded, result.Unchanged, result.Summary, result.Version.Classes));
    }

    private static async Task<Created<DatasetSummary>> Restore(
        string name, int number, DatasetEditor editor, DatasetCatalog catalog, CancellationToken cancellationToken)
    {
        var version = await editor.RestoreAsync(name, number, cancellationToken).ConfigureAwait(false);
        var summary = await catalog.SummarizeAsync(name, version.Number, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/datasets/{Uri.EscapeDataString(name)}?version={version.Number}", summary);
    }
}

/// <summary>A bulk labelling.</summary>
/// <param name="Labels">Images and the class each gets.</param>
/// <param name="Exclude">Images to leave out of the new version.</param>
public sealed record LabelRequest(List<ImageLabel>? Labels, List<string?>? Exclude);

/// <summary>One image and its class.</summary>
/// <param name="Image">The image's sha256 or the path it was imported from.</param>
/// <param name="Class">The class it gets (existing or new).</param>
public sealed record ImageLabel(string? Image, string? Class);

/// <summary>What a bulk labelling made.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Version">The new version.</param>
/// <param name="Previous">The version it was derived from: restore it to undo the change.</param>
/// <param name="Labelled">Images of the pool that got a class.</param>
/// <param name="Relabelled">Labelled images that got another class.</param>
/// <param name="Excluded">Images left out.</param>
/// <param name="Unchanged">Named images that already had the class asked for.</param>
/// <param name="Summary">The change in words (the new version's source).</param>
/// <param name="Classes">The new version's classes.</param>
public sealed record LabelResponse(
    string Dataset, int Version, int Previous, int Labelled, int Relabelled, int Excluded, int Unchanged, string Summary, List<string> Classes);
