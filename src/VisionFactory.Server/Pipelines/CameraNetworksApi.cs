using System.Text.Json.Serialization;
using VisionFactory.Server.Security;

namespace VisionFactory.Server.Pipelines;

/// <summary>The camera networks setting (administrators only): read it, and replace the networks added here.</summary>
public static class CameraNetworksApi
{
    public static IEndpointRouteBuilder MapCameraNetworksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/settings/camera-networks").WithTags("Settings").RequireAuthorization(Policies.Admin);
        group.MapGet("", (CameraNetworks networks) => TypedResults.Ok(CameraNetworksView.Of(networks)))
            .WithName("GetCameraNetworks")
            .WithSummary("The internal networks (CIDR) pipeline camera sources may reach: from the server's configuration and added by an administrator.");
        group.MapPut("", async (CameraNetworksChange? body, CameraNetworks networks, HttpContext context, CancellationToken ct) =>
        {
            await networks.SetAsync(body?.Networks, Caller.Of(context), ct).ConfigureAwait(false);
            return TypedResults.Ok(CameraNetworksView.Of(networks));
        }).WithName("SetCameraNetworks")
            .WithSummary("Replaces the camera networks added by an administrator (those of the configuration stay); pipelines started from then on use them.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }
}

/// <param name="Networks">CIDR ranges, e.g. ["192.168.1.0/24"]; an empty list removes the ones added before.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CameraNetworksChange(List<string>? Networks);

/// <param name="Configured">From Pipelines:CameraAllowedNetworks where the server starts (not changed here).</param>
/// <param name="Added">Added by an administrator (Settings page or this API).</param>
public sealed record CameraNetworksView(IReadOnlyList<string> Configured, IReadOnlyList<string> Added)
{
    public static CameraNetworksView Of(CameraNetworks networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        return new(networks.Configured, networks.Added);
    }
}
