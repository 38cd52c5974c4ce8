using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Server.Security;
using VisionFactory.Storage.Maintenance;

namespace VisionFactory.Server.Admin;

/// <summary>An administrator's storage operations: <c>POST /api/admin/gc</c> and <c>GET /api/admin/check</c>.</summary>
public static class StorageAdminApi
{
    public static IEndpointRouteBuilder MapStorageAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(Policies.Admin);
        admin.MapPost("/gc", CollectAsync).WithName("CollectGarbage")
            .WithSummary("Deletes blobs no row refers to (older than the grace period) and left-over upload staging; dry_run=true only reports.");
        admin.MapGet("/check", CheckAsync).WithName("CheckIntegrity")
            .WithSummary("Checks that every blob a row refers to exists and matches its sha256; lists those that do not.");
        return app;
    }

    private static async Task<Ok<CollectionReport>> CollectAsync(
        BlobCollector collector, IServiceScopeFactory scopes, IOptions<MaintenanceOptions> options, CancellationToken cancellationToken,
        [FromQuery(Name = "dry_run")] bool dryRun = false, [FromQuery(Name = "grace_minutes")] double? graceMinutes = null)
    {
        if (graceMinutes is < 0)
        {
            throw Domain.ProblemException.Invalid("grace_minutes must be 0 or more");
        }

        await new ImportJobRunner(scopes).RecoverAsync(cancellationToken).ConfigureAwait(false);
        var grace = TimeSpan.FromMinutes(graceMinutes ?? options.Value.GcGraceMinutes);
        return TypedResults.Ok(await collector.CollectAsync(grace, dryRun, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Ok<IntegrityReport>> CheckAsync(IntegrityCheck check, CancellationToken cancellationToken) =>
        TypedResults.Ok(await check.RunAsync(null, cancellationToken).ConfigureAwait(false));
}
