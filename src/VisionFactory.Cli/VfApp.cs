using System.CommandLine;
using VisionFactory.Cli.Commands;

namespace VisionFactory.Cli;

/// <summary>The <c>vf</c> command line: every command, its options and its output.</summary>
public static class VfApp
{
    /// <summary>Runs <c>vf</c> with <paramref name="args"/>; returns the exit code.</summary>
    /// <param name="args">The arguments after <c>vf</c>.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="interactive">Standard output is a terminal (progress bars are drawn only then).</param>
    /// <param name="cancellationToken">Stops the command (Ctrl+C).</param>
    public static Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand(
            "VisionFactory: from a folder of photos to an image classifier. Import a dataset, train, evaluate, predict, serve.");
        root.Add(globals.Json);
        root.Add(globals.Data);
        root.Add(globals.Database);
        root.Add(globals.Verbose);
        root.Add(DatasetCommands.Create(globals, interactive));
        root.Add(TrainCommand.Create(globals, interactive));
        root.Add(SweepCommand.Create(globals, interactive));
        root.Add(RunsCommands.Create(globals, interactive));
        root.Add(ModelCommands.CreateList(globals, interactive));
        root.Add(ModelCommands.CreateEvaluate(globals, interactive));
        root.Add(ModelCommands.CreatePredict(globals, interactive));
        root.Add(CompareCommands.CreateExplain(globals, interactive));
        root.Add(CompareCommands.CreateCompare(globals, interactive));
        root.Add(ZooCommands.Create(globals, interactive));
        root.Add(ServeCommand.Create(globals));
        root.Add(PipelineCommands.Create(globals, interactive));
        root.Add(ImportJobsCommands.Create(globals, interactive));
        root.Add(AdminCommands.Create(globals, interactive));
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
