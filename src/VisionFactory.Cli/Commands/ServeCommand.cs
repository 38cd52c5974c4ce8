using System.CommandLine;
using Microsoft.Extensions.Hosting;
using VisionFactory.Server;
using VisionFactory.Storage;

namespace VisionFactory.Cli.Commands;

/// <summary><c>vf serve</c>: the HTTP host on embedded defaults.</summary>
public static class ServeCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on (default http://localhost:5000)" };
        var command = new Command("serve", "Run the web host: REST API, OpenAPI document and health endpoint") { urls };
        command.SetAction(async (parse, ct) =>
        {
            var dataPath = parse.GetValue(globals.Data);
            var data = dataPath is { Length: > 0 } ? new DataDirectory(dataPath) : DataDirectory.FromEnvironment();
            string[] args = parse.GetValue(urls) is { Length: > 0 } u ? ["--urls", u] : [];
            var app = VisionFactoryWebHost.Build(args, data);
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(ct).ConfigureAwait(false);
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
