using VisionFactory.Factory.Zoo;

namespace VisionFactory.Server.Zoo;

/// <summary><c>/api/zoo</c>: the architectures this installation can train, with their measured figures.</summary>
public static class ZooApi
{
    public static IEndpointRouteBuilder MapZooApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGroup("/api/zoo").WithTags("Zoo")
            .MapGet("", ListArchitectures)
            .WithName("ListArchitectures")
            .WithSummary("Every architecture: family, parameters, FLOPs at its default input size, normalisation, pretrained weights, CPU latency measured here (null until 'vf zoo bench').");
        return app;
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<List<ZooEntry>>> ListArchitectures(ZooService zoo, CancellationToken cancellationToken) =>
        TypedResults.Ok(await zoo.ListAsync(null, cancellationToken).ConfigureAwait(false));
}
