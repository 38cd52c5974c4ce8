using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using VisionFactory.Factory.Runs;
using VisionFactory.Server;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf serve</c>: the HTTP host on embedded defaults, and/or a training worker.</summary>
public static class ServeCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on (default http://localhost:5000)" };
        var role = new Option<FactoryRole>("--role")
        {
            Description = "all: web host and worker (default); web: the web host only; worker: train queued runs (health endpoint only)",
            DefaultValueFactory = _ => FactoryRole.All,
        };
        var threads = new Option<int?>("--threads") { Description = "CPU threads this worker may train with at once (default: every core)" };
        var command = new Command("serve", "Run the web host (REST API, OpenAPI, live run updates) and a training worker") { urls, role, threads };
        command.SetAction((parse, ct) => globals.RunAsync(parse, interactive: false, ct, async context =>
        {
            var data = context.Data;
            var args = new List<string>();
            if (parse.GetValue(urls) is { Length: > 0 } u)
            {
                args.AddRange(["--urls", u]);
            }

            args.Add($"--{FactoryOptions.Section}:{nameof(FactoryOptions.Role)}={parse.GetValue(role)}");
            if (parse.GetValue(threads) is { } n)
            {
                args.Add(string.Create(CultureInfo.InvariantCulture, $"--{FactoryOptions.Section}:{nameof(FactoryOptions.ThreadBudget)}={n}"));
            }

            // A taken port is told in one line before the host starts (Kestrel's own failure comes with a logged trace).
            ListenAddresses.EnsureFree(parse.GetValue(urls) ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? ListenAddresses.Default);
            var app = VisionFactoryWebHost.Build([.. args], data);
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(ct).ConfigureAwait(false);
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }
}
