using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Scalar.AspNetCore;
using VisionFactory.Factory.Runs;
using VisionFactory.Server.Admin;
using VisionFactory.Server.Datasets;
using VisionFactory.Server.Health;
using VisionFactory.Server.Hosting;
using VisionFactory.Server.Models;
using VisionFactory.Server.Pipelines;
using VisionFactory.Server.Runs;
using VisionFactory.Server.Security;
using VisionFactory.Server.Zoo;
using VisionFactory.Storage;

namespace VisionFactory.Server;

/// <summary>
/// The one place that wires the web host: the platform's services, JSON (snake_case, enums as strings),
/// ProblemDetails for every error, OpenAPI at <c>/openapi/v1.json</c>, the background training worker and the
/// REST endpoints. Pending database migrations are applied when the host starts.
/// </summary>
public static class VisionFactoryWebHost
{
    /// <summary>
    /// The configuration key that names the data directory when none is given: the <c>VF_DATA</c> environment
    /// variable, <c>--VF_DATA=folder</c> on the command line, or a host setting in tests.
    /// </summary>
    public const string DataDirectoryKey = DataDirectory.EnvironmentVariable;

    /// <summary>The configuration key of the PostgreSQL connection string (<c>VF_DATABASE</c>); absent, a SQLite file is used.</summary>
    public const string DatabaseKey = DataDirectory.DatabaseEnvironmentVariable;

    /// <summary>Builds the host on the data directory named by <see cref="DataDirectoryKey"/>, else <c>./data</c>.</summary>
    /// <param name="args">Command-line arguments; <c>--urls</c> and other ASP.NET Core settings are honoured.</param>
    public static WebApplication Build(string[] args)
    {
        var builder = CreateBuilder(args);
        var root = builder.Configuration[DataDirectoryKey];
        return Build(builder, new DataDirectory(string.IsNullOrWhiteSpace(root) ? "data" : root, builder.Configuration[DatabaseKey]));
    }

    /// <summary>Builds the host on the given data directory (used by <c>vf serve</c>).</summary>
    /// <param name="args">Command-line arguments; <c>--urls</c> and other ASP.NET Core settings are honoured.</param>
    /// <param name="data">Where the database, blobs and caches live.</param>
    public static WebApplication Build(string[] args, DataDirectory data) => Build(CreateBuilder(args), data);

    /// <summary>
    /// The host is this assembly whichever program starts it (<c>vf serve</c> too), so the UI's static files (its own
    /// and MudBlazor's) are found through this assembly's static web assets manifest, in every environment.
    /// </summary>
    private static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // A published vf carries the UI's web root beside itself; wherever it is started from, that is the one to serve.
        var published = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(VisionFactoryWebHost).Assembly.GetName().Name,
            WebRootPath = Directory.Exists(published) ? published : null,
        });
        builder.WebHost.UseStaticWebAssets();
        return builder;
    }

    private static WebApplication Build(WebApplicationBuilder builder, DataDirectory data)
    {
        builder.AddVisionFactoryServer(data);

        var app = builder.Build();

        // A bad setting stops the host here, before anything starts (and before the host logs its failure at length),
        // with an OptionsValidationException for each bad section (an AggregateException when several are) naming the settings.
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseVisionFactorySecurity();
        app.UseUploadLimits();

        app.MapHealthApi();

        // A worker-only process trains runs from the shared database; it answers health checks and nothing else.
        if (app.Services.GetRequiredService<FactoryOptions>().Role == FactoryRole.Worker)
        {
            return app;
        }

        app.MapOpenApi();

        // The interactive API reference (Scalar, served from the package: no network needed) at /scalar/v1.
        app.MapScalarApiReference();
        app.MapAccountsApi();
        app.MapCameraNetworksApi();
        app.MapStorageAdminApi();
        app.MapProcessAdminApi();

        // The web UI: Blazor with interactive server rendering; sign-in and set-up are plain forms under /account.
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode();
        app.MapPost("/account/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.LocalRedirect("/account/login");
        });

        // Every other API route needs a signed-in user or an API key: reads any role, changes the editor role.
        var api = app.MapGroup("").RequireRoleByMethod();
        api.MapDatasetsApi();
        api.MapImagesApi();
        api.MapRunsApi();
        api.MapModelsApi();
        api.MapEvaluationApi();
        api.MapExternalTestSetsApi();
        api.MapZooApi();
        api.MapReviewApi();
        api.MapPipelinesApi();
        api.MapPredictApi();
        app.MapHub<RunsHub>("/hubs/runs").RequireAuthorization(Policies.Viewer);
        return app;
    }
}
