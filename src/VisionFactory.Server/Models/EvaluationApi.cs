using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VisionFactory.Domain;
using VisionFactory.Domain.Models;
using VisionFactory.Factory.Evaluation;
using VisionFactory.Factory.Explanations;
using VisionFactory.Factory.Models;
using VisionFactory.Server.Hosting;
using VisionFactory.Storage;

namespace VisionFactory.Server.Models;

/// <summary>
/// Compare step: leaderboards, side-by-side comparisons, the images behind a model's figures (mistakes, confusion
/// cells) and heat-map explanations (CAM, Grad-CAM, Grad-CAM++).
/// </summary>
public static class EvaluationApi
{
    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var limits = app.ServiceProvider.GetRequiredService<IOptions<ServerOptions>>().Value;
        var models = app.MapGroup("/api/models").WithTags("Compare");

        models.MapGet("/compare", Compare)
            .WithName("CompareModels")
            .WithSummary("Two or more models side by side (?ids=a,b): every metric, curves, confusion matrices, with the best per metric named.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        models.MapGet("/leaderboard", (LeaderboardService leaderboard, CancellationToken ct, string? sort = null, string? order = null) =>
                RankAsync(null, leaderboard, sort, order, ct))
            .WithName("ModelLeaderboard")
            .WithSummary("Every model, best first by ?sort= (accuracy, balanced_accuracy, macro_f1, weighted_f1, roc_auc, average_precision, loss, ece, latency_ms, training_seconds); ?order=worst reverses.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        models.MapGet("/{id}/mistakes", Mistakes)
            .WithName("ModelMistakes")
            .WithSummary("The held-out images the model got wrong, most confident mistakes first (?limit=, default 50).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        models.MapGet("/{id}/confusion", ConfusionCell)
            .WithName("ModelConfusionCell")
            .WithSummary("The held-out images of one confusion-matrix cell: ?true_class=&predicted_class= (names), most confident first.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        models.MapPost("/{id}/explanations", ExplainUpload)
            .WithName("ExplainImage")
            .WithSummary("The uploaded image (multipart, one file) with a heat map of what decided the model, as a PNG (?format=json for JSON with the PNG in base64). " +
                "?method=cam|gradcam|gradcam++, ?layer=, ?class=, ?opacity=0..1, ?size=. The PNG's headers X-VF-Label, X-VF-Confidence, X-VF-Explained-Class and X-VF-Layer carry the prediction (URL-encoded).")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(limits.MaxImageUploadBytes, $"{ServerOptions.Section}:{nameof(ServerOptions.MaxImageUploadBytes)}", multipart: true)
            .WithFormOptions(multipartBodyLengthLimit: limits.MaxImageUploadBytes + UploadLimit.MultipartFraming)
            // Clients are scripts and the CLI with no cookies, so there is no cross-site request to forge.
            .DisableAntiforgery();

        models.MapGet("/{id}/explanations/{sha256}", ExplainStored)
            .WithName("ExplainStoredImage")
            .WithSummary("An imported image (by sha256) with the model's heat map, as a PNG (or ?format=json); the same options as the upload.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        models.MapPost("/{id}/classifications", ClassifyArchive)
            .WithName("ClassifyArchive")
            .WithSummary("Classifies every image of one uploaded .zip (multipart): label, confidence and every class's probability per file, " +
                "as JSON or, with ?format=csv, as CSV (file,label,confidence,error,<one column per class>). A file that is not an image gets an error in its row. " +
                "?engine=auto|onnx|torch picks the engine (auto: the one measured faster on this machine at the model's first use here).")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<PredictionBatch>()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithUploadLimit(limits.MaxPredictionUploadBytes, $"{ServerOptions.Section}:{nameof(ServerOptions.MaxPredictionUploadBytes)}", multipart: true)
            .DisableAntiforgery();

        var datasets = app.MapGroup("/api/datasets").WithTags("Compare");
        datasets.MapGet("/{name}/leaderboard", (string name, LeaderboardService leaderboard, CancellationToken ct, string? sort = null, string? order = null) =>
                RankAsync(name, leaderboard, sort, order, ct))
            .WithName("DatasetLeaderboard")
            .WithSummary("Every model version of the dataset, best first by ?sort= (see /api/models/leaderboard); ?order=worst reverses.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<Leaderboard>> RankAsync(string? dataset, LeaderboardService leaderboard, string? sort, string? order, CancellationToken ct)
    {
        var worstFirst = order?.Trim().ToLowerInvariant() switch
        {
            null or "" or "best" => false,
            "worst" => true,
            _ => throw ProblemException.Invalid($"unknown order '{order}'; use best or worst"),
        };
        var metric = Domain.Models.Metrics.LeaderboardMetric.Get(sort);
        var ranked = await leaderboard.RankAsync(dataset, metric.Name, worstFirst, ct).ConfigureAwait(false);
        return TypedResults.Ok(new Leaderboard(dataset, metric.Name, worstFirst ? "worst" : "best", Domain.Models.Metrics.LeaderboardMetric.All, [.. ranked.Select(ModelScore.From)]));
    }

    private static async Task<Ok<ComparisonResponse>> Compare(LeaderboardService leaderboard, CancellationToken ct, string? ids = null)
    {
        var comparison = await leaderboard.CompareAsync((ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries), ct).ConfigureAwait(false);
        return TypedResults.Ok(new ComparisonResponse(
            [.. comparison.Models.Select(m => new ComparedModel(ModelScore.From(m), m.Evaluation, m.History))],
            comparison.Best));
    }

    private static async Task<Ok<ImageVerdicts>> Mistakes(string id, EvaluationService evaluations, CancellationToken ct, int limit = 50) =>
        TypedResults.Ok(new ImageVerdicts(id, await evaluations.MistakesAsync(id, limit, ct).ConfigureAwait(false)));

    private static async Task<Ok<ImageVerdicts>> ConfusionCell(
        string id, EvaluationService evaluations, CancellationToken ct,
        [FromQuery(Name = "true_class")] string? trueClass = null, [FromQuery(Name = "predicted_class")] string? predictedClass = null, int limit = 50)
    {
        if (string.IsNullOrEmpty(trueClass) || string.IsNullOrEmpty(predictedClass))
        {
            throw ProblemException.Invalid("name the cell with ?true_class=<class>&predicted_class=<class>");
        }

        return TypedResults.Ok(new ImageVerdicts(id, await evaluations.CellAsync(id, trueClass, predictedClass, limit, ct).ConfigureAwait(false)));
    }

    private static async Task<IResult> ExplainUpload(
        string id, HttpContext context, ExplanationService explanations, ModelService models, CancellationToken ct,
        string? method = null, string? layer = null, [FromQuery(Name = "class")] string? className = null,
        double opacity = 0.5, int size = 224, string? format = null)
    {
        var request = Request(method, layer, className, opacity, size);
        var json = WantsJson(format);
        if (!context.Request.HasFormContentType)
        {
            throw ProblemException.Invalid("send the image as multipart/form-data (one file)");
        }

        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        if (form.Files.Count != 1)
        {
            throw ProblemException.Invalid($"{form.Files.Count} files were uploaded; send exactly one image to explain");
        }

        // Known before reading so that a missing model is a 404 without reading the upload.
        await models.GetAsync(id, ct).ConfigureAwait(false);
        var file = form.Files[0];
        using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await file.CopyToAsync(buffer, ct).ConfigureAwait(false);
        var name = string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName;
        var explanation = await explanations.ExplainAsync(id, name, buffer.ToArray(), request, ct).ConfigureAwait(false);
        return Respond(context, explanation, json);
    }

    private static async Task<IResult> ExplainStored(
        string id, string sha256, HttpContext context, ExplanationService explanations, CancellationToken ct,
        string? method = null, string? layer = null, [FromQuery(Name = "class")] string? className = null,
        double opacity = 0.5, int size = 224, string? format = null)
    {
        var request = Request(method, layer, className, opacity, size);
        var json = WantsJson(format);
        var explanation = await explanations.ExplainStoredAsync(id, sha256, request, ct).ConfigureAwait(false);
        return Respond(context, explanation, json);
    }

    private static async Task<IResult> ClassifyArchive(
        string id, HttpContext context, BatchClassifier classifier, ModelService models, DataDirectory data,
        IOptions<ServerOptions> options, CancellationToken ct, string? format = null, string? engine = null)
    {
        var choice = EngineChoices.Parse(engine);
        var csv = format?.Trim().ToLowerInvariant() switch
        {
            null or "" or "json" => false,
            "csv" => true,
            _ => throw ProblemException.Invalid($"unknown format '{format}'; use json or csv"),
        };
        var model = await models.GetAsync(id, ct).ConfigureAwait(false);
        var limits = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limits.MaxPredictionUploadBytes;
        }

        var upload = await Datasets.ArchiveUpload.SaveAsync(context.Request, data.TempPath, limits.MaxPredictionUploadBytes, ct).ConfigureAwait(false);
        try
        {
            BatchClassification classification;
            using (var archive = classifier.OpenArchive(File.OpenRead(upload), limits.MaxClassifiedFiles, out var inputs))
            {
                classification = await classifier.ClassifyAsync(id, inputs, null, ct, choice).ConfigureAwait(false);
            }

            return csv
                ? TypedResults.Text(PredictionCsv.Write(model.Classes, classification.Predictions), "text/csv", System.Text.Encoding.UTF8)
                : TypedResults.Ok(new PredictionBatch(id, classification.Predictions, EngineChoices.Name(classification.Engine)));
        }
        finally
        {
            File.Delete(upload);
        }
    }

    private static ExplanationRequest Request(string? method, string? layer, string? className, double opacity, int size) =>
        new(ExplanationMethods.Parse(method), string.IsNullOrWhiteSpace(layer) ? null : layer, string.IsNullOrEmpty(className) ? null : className, opacity, size);

    private static bool WantsJson(string? format) => format?.Trim().ToLowerInvariant() switch
    {
        null or "" or "png" => false,
        "json" => true,
        _ => throw ProblemException.Invalid($"unknown format '{format}'; use png or json"),
    };

    private static IResult Respond(HttpContext context, Explanation explanation, bool json)
    {
        if (json)
        {
            return TypedResults.Ok(ExplanationResponse.From(explanation));
        }

        var headers = context.Response.Headers;
        headers["X-VF-Label"] = Uri.EscapeDataString(explanation.Label);
        headers["X-VF-Confidence"] = explanation.Confidence.ToString("0.######", CultureInfo.InvariantCulture);
        headers["X-VF-Explained-Class"] = Uri.EscapeDataString(explanation.ExplainedClass);
        headers["X-VF-Method"] = explanation.Method;
        headers["X-VF-Layer"] = Uri.EscapeDataString(explanation.Layer);
        return TypedResults.File(explanation.Png, "image/png");
    }
}
