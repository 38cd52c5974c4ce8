namespace VisionFactory.Server.Hosting;

/// <summary>
/// The log levels a host starts with: the app's own lines (started, listening on, jobs, runs) at Information, and
/// ASP.NET Core's and EF Core's per-request and per-statement lines only from Warning on, so that a console does not
/// grow by a line for every request. They sit under every other configuration source, so
/// <c>Logging__LogLevel__Microsoft.AspNetCore=Information</c> (or appsettings) still turns them back on.
/// </summary>
internal static class LoggingDefaults
{
    public static readonly IReadOnlyDictionary<string, string?> Levels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        // Request starting / finished, endpoint executing, static files, SignalR and Blazor circuits: per request.
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        // "Now listening on", "Application started": the lines an operator looks for.
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        // Every SQL statement at Information drowns what operators need to see.
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
        // Outgoing requests (webhooks, web collection) log four lines each.
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
    };

    /// <summary>Adds <see cref="Levels"/> as the configuration source of lowest precedence.</summary>
    public static void AddLoggingDefaults(this IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Levels });
    }
}
