using System.Reflection;
using System.Text.Json.Serialization;

namespace VisionFactory.Server.Health;

/// <summary>
/// <c>GET /health</c>: whether the server is up for anyone (load balancers, <c>vf serve</c>'s start-up wait), and which
/// build it runs for signed-in users only: a version and commit tell an attacker which advisories apply.
/// </summary>
public static class HealthApi
{
    // "1.2.3+<commit>": the SDK appends the commit it was built from to the informational version.
    private static readonly string[] Build =
        (typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+', 2);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (HttpContext context) => TypedResults.Ok(context.User.Identity?.IsAuthenticated == true
                ? new HealthReport("ok", Build[0], Build.Length > 1 ? Build[1] : "unknown")
                : new HealthReport("ok", null, null)))
            .WithName("GetHealth")
            .WithSummary("Reports that the server is up; to a signed-in user (cookie or API key) also its version and commit.")
            .WithTags("Health");
        return app;
    }
}

/// <summary>The server's state.</summary>
/// <param name="Status">Always <c>ok</c> when the server answers.</param>
/// <param name="Version">The server's version; only for a signed-in caller.</param>
/// <param name="Commit">The commit the server was built from; only for a signed-in caller.</param>
public sealed record HealthReport(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Commit);
