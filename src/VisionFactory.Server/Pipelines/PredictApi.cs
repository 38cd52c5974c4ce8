using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VisionFactory.Domain;
using VisionFactory.Factory.Models;
using VisionFactory.Pipelines.Serving;
using VisionFactory.Server.Hosting;

namespace VisionFactory.Server.Pipelines;

/// <summary>
/// <c>POST /api/predict</c>: one image, one model version, one answer, served from a bounded queue that batches
/// concurrent requests; when the queue is full the answer is 429 with a Retry-After, held for the short time the
/// queue needs to drain (<see cref="PredictionBatcher.RefusalPause"/>) so that clients retrying at once cannot spin.
/// </summary>
public static class PredictApi
{
    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var limits = app.ServiceProvider.GetRequiredService<IOptions<ServerOptions>>().Value;
        app.MapGroup("/api/predict").WithTags("Models")
            .MapPost("", Predict)
            .WithName("Predict")
            .WithSummary("Classifies one image (the request body, or the first file of a multipart form) with ?model=m-xxxxxxxx; batched under load, 429 when the queue is full.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithUploadLimit(limits.MaxImageUploadBytes, $"{ServerOptions.Section}:{nameof(ServerOptions.MaxImageUploadBytes)}", multipart: true)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<Results<Ok<Prediction>, ProblemHttpResult>> Predict(
        HttpRequest request, HttpResponse response, PredictionBatcher batcher, CancellationToken cancellationToken, string? model = null)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw ProblemException.Invalid("name the model version with ?model=m-xxxxxxxx ('vf models' lists them)");
        }

        // Under overload the refusal costs no read of the image: the cores are left to the requests admitted.
        if (batcher.Saturated)
        {
            return TooMany(response, await batcher.RefuseAsync(cancellationToken).ConfigureAwait(false));
        }

        var (name, bytes) = await ReadImageAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return TypedResults.Ok(await batcher.PredictAsync(model, name, bytes, cancellationToken).ConfigureAwait(false));
        }
        catch (PredictionQueueFullException e)
        {
            // Refused by the queue itself (a race with the check above): held like the others.
            await batcher.HoldRefusalAsync(cancellationToken).ConfigureAwait(false);
            return TooMany(response, e);
        }
    }

    private static ProblemHttpResult TooMany(HttpResponse response, PredictionQueueFullException refusal)
    {
        response.Headers.RetryAfter = "1";
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many predictions at once", detail: refusal.Message);
    }

    private static async Task<(string Name, byte[] Bytes)> ReadImageAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            var file = (form.Files.Count > 0 ? form.Files[0] : null) ?? throw ProblemException.Invalid("the form has no file: send one image");
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return (string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName, buffer.ToArray());
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
        return body.Length == 0
            ? throw ProblemException.Invalid("the request has no image: send the image as the body (e.g. Content-Type: image/jpeg) or as a multipart file")
            : ("image", body.ToArray());
    }
}
