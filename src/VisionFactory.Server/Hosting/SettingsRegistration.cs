using Microsoft.Extensions.Options;
using VisionFactory.Datasets.Collect.Inbox;
using VisionFactory.Datasets.Collect.PublicData;
using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Datasets.Collect.Search;
using VisionFactory.Datasets.Collect.Web;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Domain;
using VisionFactory.Factory.Runs;
using VisionFactory.Factory.Zoo;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Server.Admin;
using VisionFactory.Server.Pipelines;
using VisionFactory.Server.Security;
using VisionFactory.Storage;

namespace VisionFactory.Server.Hosting;

/// <summary>
/// The one place that reads configuration: every settings section is bound here once, to its options class, and checked
/// when the host starts (<c>ValidateOnStart</c>), so that a bad value (a negative limit, an inbox folder that does not
/// exist, an address that is not one, a range that is not CIDR) stops <c>vf serve</c> at once with a message naming the
/// setting. Everything else takes <c>IOptions&lt;T&gt;</c> / <c>IOptionsMonitor&lt;T&gt;</c>.
/// </summary>
public static class SettingsRegistration
{
    public const string WebSection = "Collect:Web";
    public const string SearchSection = "Collect:Search";
    public const string RemoteSection = "Collect:Remote";
    public const string InboxSection = "Collect:Inbox";
    public const string PublicSection = "Collect:Public";

    /// <summary>Binds and checks every section but <c>Factory</c> (see <see cref="Factory"/>).</summary>
    public static IServiceCollection AddVisionFactorySettings(this IServiceCollection services, IConfiguration configuration, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(data);
        services.AddSettings<ServerOptions>(configuration, ServerOptions.Section);
        services.AddSettings<SecurityOptions>(configuration, SecurityOptions.Section);
        services.AddSettings<MaintenanceOptions>(configuration, MaintenanceOptions.Section);
        services.AddSettings<WebCollectOptions>(configuration, WebSection, o => OutboundGuard.RangeProblems(o.AllowedRanges, WebSection + ":AllowedRanges"));
        services.AddSettings<ImageSearchOptions>(configuration, SearchSection, SearchRules);
        services.AddSettings<RemotePullLimits>(configuration, RemoteSection, o => OutboundGuard.RangeProblems(o.AllowedRanges, RemoteSection + ":AllowedRanges"));
        services.AddSettings<InboxOptions>(configuration, InboxSection, InboxRules);
        services.AddSettings<PublicDatasetOptions>(configuration, PublicSection, PublicRules);
        services.AddSettings<ZooWeightsOptions>(configuration, ZooWeightsOptions.Section, o => o.Problems());

        // Imports of server paths only inside Server:ImportRoots, and remote pulls from public hosts only.
        services.AddOptions<ImportAccess>().Configure<IOptions<ServerOptions>>((access, server) => access.Roots = [.. server.Value.ImportRoots]);

        // Pipelines as configured, and (the default instance) completed for this data folder: the YuNet model's default
        // place, and the camera networks an administrator added on the Settings page.
        services.AddSettings<PipelineOptions>(configuration, PipelineOptions.Section, PipelineRules)
            .PostConfigure(o => PipelineSettings.Complete(o, data));
        services.AddOptions<PipelineOptions>(PipelineSettings.AsConfigured).Bind(configuration.GetSection(PipelineOptions.Section));
        return services;
    }

    /// <summary>
    /// The <c>Factory</c> section, bound and checked now: it decides what is registered (a worker or not, which queue),
    /// so it is needed before the container exists. A bad value throws <see cref="OptionsValidationException"/> naming it.
    /// </summary>
    public static FactoryOptions Factory(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var factory = configuration.GetSection(FactoryOptions.Section).Get<FactoryOptions>() ?? new FactoryOptions();
        var result = new SettingsValidation<FactoryOptions>(FactoryOptions.Section, f => f.Validate().Select(p => $"{FactoryOptions.Section}: {p}"))
            .Validate(Options.DefaultName, factory);
        return result.Failed ? throw new OptionsValidationException(FactoryOptions.Section, typeof(FactoryOptions), result.Failures) : factory;
    }

    /// <summary>
    /// A section as a web host started with this process's environment variables (<c>Collect__Search__Key</c>,
    /// <c>Pipelines__FolderRoots__0</c>) would have it: the command line warns and searches with the server's settings.
    /// A bad value is refused naming the setting.
    /// </summary>
    public static TOptions FromEnvironment<TOptions>(DataDirectory data)
        where TOptions : class
    {
        using var services = new ServiceCollection().AddVisionFactorySettingsFromEnvironment(data).BuildServiceProvider();
        try
        {
            return services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw ProblemException.Invalid(string.Join("; ", e.Failures));
        }
    }

    /// <summary>
    /// Every section bound from this process's environment variables, as a web host started with them would bind it:
    /// the command line's containers, whose commands then take <c>IOptions&lt;T&gt;</c> like the server's services.
    /// </summary>
    public static IServiceCollection AddVisionFactorySettingsFromEnvironment(this IServiceCollection services, DataDirectory data) =>
        services.AddVisionFactorySettings(new ConfigurationBuilder().AddEnvironmentVariables().Build(), data);

    private static OptionsBuilder<TOptions> AddSettings<TOptions>(
        this IServiceCollection services, IConfiguration configuration, string section, Func<TOptions, IEnumerable<string>>? rules = null)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SettingsValidation<TOptions>(section, rules));
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    private static IEnumerable<string> SearchRules(ImageSearchOptions search)
    {
        if (search.Endpoint is not null && (!Uri.TryCreate(search.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            yield return $"{SearchSection}:Endpoint holds '{search.Endpoint}', which is not an http(s) address";
        }

        if (!ImageSearchProviders.All.Contains(search.Provider.Trim().ToLowerInvariant()))
        {
            yield return $"{SearchSection}:Provider holds '{search.Provider}'; choose {string.Join(", ", ImageSearchProviders.All)} (bing is legacy: retired by Microsoft in August 2025)";
        }
    }

    private static IEnumerable<string> PublicRules(PublicDatasetOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Mirror) &&
            (!Uri.TryCreate(options.Mirror, UriKind.Absolute, out var mirror) || mirror.Scheme is not ("http" or "https")))
        {
            yield return $"{PublicSection}:Mirror holds '{options.Mirror}', which is not an http(s) base address";
        }

        if (!string.IsNullOrWhiteSpace(options.CatalogFile) && !File.Exists(options.CatalogFile))
        {
            yield return $"{PublicSection}:CatalogFile names '{options.CatalogFile}', which is not a file";
        }
    }

    private static IEnumerable<string> InboxRules(InboxOptions inbox)
    {
        if (!string.IsNullOrWhiteSpace(inbox.Path) && !Directory.Exists(inbox.Path))
        {
            yield return $"{InboxSection}:Path names '{inbox.Path}', which is not a folder: create it (deploy/ftp-inbox/setup.sh does) or leave the setting empty to turn the inbox off";
        }
    }

    private static IEnumerable<string> PipelineRules(PipelineOptions pipelines) =>
    [
        .. OutboundGuard.RangeProblems(pipelines.CameraAllowedNetworks, CameraNetworks.Setting),
        .. OutboundGuard.RangeProblems(pipelines.WebhookAllowedNetworks, PipelineOptions.Section + ":WebhookAllowedNetworks"),
    ];
}
