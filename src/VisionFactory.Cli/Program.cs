using VisionFactory.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C asks the command to stop cleanly; a second one ends the process.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

return await VfApp.RunAsync(args, Console.Out, Console.Error, !Console.IsOutputRedirected, cancellation.Token);
