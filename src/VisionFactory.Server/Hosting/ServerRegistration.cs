using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using VisionFactory.Factory;
using VisionFactory.Factory.Runs;
using Microsoft.AspNetCore.DataProtection;
using MudBlazor.Services;
using VisionFactory.Imaging.Thumbnails;
using VisionFactory.Pipelines;
using VisionFactory.Server.Pipelines;
using VisionFactory.Server.Security;
using VisionFactory.Storage;

namespace VisionFactory.Server.Hosting;

internal static class ServerRegistration
{
    public static void AddVisionFactoryServer(this WebApplicationBuilder builder, DataDirectory data)
    {
        var services = builder.Services;
        var factory = SettingsRegistration.Factory(builder.Configuration);
        services.AddVisionFactory(data, factory);

        // Per-request and per-statement lines only from Warning on, as defaults that configuration can still override.
        builder.Configuration.AddLoggingDefaults();

        services.AddVisionFactorySettings(builder.Configuration, data);

        services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));

        // Binding failures (malformed JSON, "?version=abc") become exceptions, so that the exception handler turns
        // them into ProblemDetails carrying the reason, instead of a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOpenApi();
        services.AddSingleton(new ThumbnailCache(Path.Combine(data.CachePath, "thumbnails")));
        services.AddHostedService<Datasets.InboxService>();

        services.AddVisionFactorySecurity();
        services.AddVisionFactoryPipelines();
        services.AddSingleton<CameraNetworks>();

        // Sign-in cookies and anti-forgery tokens stay valid across restarts and across web hosts sharing the data folder.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data.Root, "keys"))).SetApplicationName("VisionFactory");
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
        services.AddSignalR().AddJsonProtocol(o => Configure(o.PayloadSerializerOptions));

        // Hosted services start in registration order: the schema is current before the worker takes a run.
        services.AddHostedService<DatabaseMigrator>();
        services.AddHostedService<SetupToken.Announcer>();
        services.AddHostedService<PipelineResumer>();
        services.AddHostedService<Datasets.ImportJobRecovery>();
        services.AddHostedService<Admin.StorageMaintenance>();
        services.AddHostedService<Admin.NativeHeapTrimming>();
        if (factory.ProcessesRuns)
        {
            services.AddRunWorker(factory);
        }
    }

    /// <summary>The JSON shape of every request and response: snake_case names, enums as snake_case strings.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }
}
