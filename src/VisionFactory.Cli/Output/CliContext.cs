using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VisionFactory.Datasets.Jobs;
using VisionFactory.Pipelines;
using VisionFactory.Pipelines.Hosting;
using VisionFactory.Server.Hosting;
using VisionFactory.Factory;
using VisionFactory.Storage;

namespace VisionFactory.Cli.Output;

/// <summary>
/// What every command needs: where to write, whether to write JSON, whether to draw progress bars, and the
/// platform's services on the chosen data directory.
/// </summary>
public sealed class CliContext(TextWriter output, TextWriter error, bool json, bool interactive, DataDirectory data)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Print one JSON document and nothing else on standard output.</summary>
    public bool Json { get; } = json;

    /// <summary>Standard output is a terminal and not in JSON mode: draw progress bars.</summary>
    public bool Interactive { get; } = interactive && !json;

    public DataDirectory Data { get; } = data;

    public IAnsiConsole Console { get; } = CreateConsole(output, interactive);

    public async Task<ServiceProvider> OpenServicesAsync(CancellationToken cancellationToken)
    {
        // Evaluations look for faces with the YuNet model the pipelines use (VF_YUNET, Pipelines__YuNetModelPath, else
        // <data>/models/face_detection_yunet.onnx).
        var yunet = Environment.GetEnvironmentVariable("VF_YUNET")
            ?? SettingsRegistration.FromEnvironment<PipelineOptions>(Data).YuNetModelPath;
        // The person at the command line owns the data directory: they act as its operator.
        // Settings as a web host started with this environment would bind them (Collect__Search__Key, ...); imports may
        // read any local path, as the person at the command line can.
        var services = new ServiceCollection().AddScoped(_ => Domain.Users.Caller.Operator()).AddVisionFactory(Data).AddYuNetFaceLocator(yunet)
            .AddVisionFactorySettingsFromEnvironment(Data).Configure<ImportAccess>(ImportAccess.CommandLine).BuildServiceProvider();
        await services.MigrateDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return services;
    }

    private static IAnsiConsole CreateConsole(TextWriter output, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });

        // Redirected output goes to files and pipes, where wrapping at 80 columns only breaks lines apart.
        if (!interactive)
        {
            console.Profile.Width = 200;
        }

        return console;
    }

    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, CliJson.Options));
}
