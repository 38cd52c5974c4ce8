using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Factory.Zoo;

namespace VisionFactory.Server.Zoo;

/// <summary><c>/api/zoo</c>: the architectures this installation can train, with their measured figures and pretrained weights.</summary>
public static class ZooApi
{
    public static IEndpointRouteBuilder MapZooApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var zoo = app.MapGroup("/api/zoo").WithTags("Zoo");
        zoo.MapGet("", ListArchitectures)
            .WithName("ListArchitectures")
            .WithSummary("Every architecture: family, parameters, FLOPs at its default input size, normalisation, pretrained weights (source, stored size, whether published weights exist), CPU latency measured here (null until 'vf zoo bench').");
        zoo.MapGet("/weights", ListWeights)
            .WithName("ListPretrainedWeights")
            .WithSummary("Every catalogued published weights file: architecture, address (the Zoo:Weights:Mirror setting's when set), expected SHA-256, size if known, whether present here and where the stored weights came from.");
        zoo.MapPost("/weights/{architecture}", GetWeights)
            .WithName("GetPretrainedWeights")
            .WithSummary("Downloads (resuming an interrupted download), verifies by SHA-256, converts and stores the published weights of an architecture, unless stored before; answers when done. Editors.");
        return app;
    }

    private static async Task<Ok<List<ZooEntry>>> ListArchitectures(ZooService zoo, CancellationToken cancellationToken) =>
        TypedResults.Ok(await zoo.ListAsync(null, cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<List<WeightsListing>>> ListWeights(PretrainedWeightsService weights, CancellationToken cancellationToken) =>
        TypedResults.Ok(await weights.ListAsync(null, cancellationToken).ConfigureAwait(false));

    // A file whose digest is wrong came from the download server, not from this one: 502, as a gateway answers for bad upstream data.
    private static async Task<Results<Ok<WeightsListing>, ProblemHttpResult>> GetWeights(
        string architecture, PretrainedWeightsService weights, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await weights.GetAsync(architecture, null, null, cancellationToken).ConfigureAwait(false));
        }
        catch (Domain.ProblemException e) when (e.Kind == Domain.ProblemKind.Damaged)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status502BadGateway, title: "The downloaded file is not the published one");
        }
    }
}
