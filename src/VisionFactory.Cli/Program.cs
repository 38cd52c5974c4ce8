using System.Runtime.InteropServices;
using VisionFactory.Cli;
using VisionFactory.Learning.Native;

// First, before the process's threads take malloc arenas of their own: the C heap's settings (see NativeHeap).
NativeHeap.Apply();

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C asks the command to stop cleanly; a second one ends the process.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

// SIGTERM (a service manager stopping us) stops cleanly too: a run in training checkpoints and is queued again.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

return await VfApp.RunAsync(args, Console.Out, Console.Error, !Console.IsOutputRedirected, cancellation.Token);
