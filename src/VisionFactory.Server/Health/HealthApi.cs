using System.Reflection;

namespace VisionFactory.Server.Health;

/// <summary><c>GET /health</c>: whether the server is up, and which build it runs.</summary>
public static class HealthApi
{
    private static readonly string Version =
        typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new HealthReport("ok", Version)))
            .WithName("GetHealth")
            .WithSummary("Reports that the server is up, with its version.")
            .WithTags("Health");
        return app;
    }
}

/// <summary>The server's state.</summary>
/// <param name="Status">Always <c>ok</c> when the server answers.</param>
/// <param name="Version">The server's version.</param>
public sealed record HealthReport(string Status, string Version);
