using System.Runtime.InteropServices;
using VisionFactory.Learning.Architectures;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Architectures;

public sealed class InputTransformTests
{
    private static readonly float[] Mean = [0.5f, 0.5f, 0.5f];
    private static readonly float[] Std = [0.25f, 0.25f, 0.25f];

    [Fact]
    public async Task NormalisingUnderConstantGarbageCollectionNeverFails()
    {
        TorchNativeLibrary.EnsureLoaded();

        // A number passed to TorchSharp becomes a native Scalar that a collection may free during the native call
        // that reads it (see HeldScalars): with numbers, 15 s of such calls under this pressure failed 237 times in
        // 4.35 million. The transform must hold its Scalars.
        using var transform = new InputTransform(false, 1f / 255, tensor(Mean, [3, 1, 1]), tensor(Std, [3, 1, 1]));
        using var raw = full(new long[] { 1, 3, 2, 2 }, 255f);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });

        var failures = new List<string>();
        var calls = 0;
        var until = DateTime.UtcNow.AddSeconds(10);
        try
        {
            while (DateTime.UtcNow < until)
            {
                try
                {
                    using var normalised = transform.Apply(raw);
                    using var peak = normalised.max();
                    if (peak.item<float>() != 2f)
                        failures.Add("wrong value " + peak.item<float>());
                }
                catch (ExternalException e)
                {
                    failures.Add(e.Message.Split('\n')[0]);
                }

                calls++;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls failed, first: {failures.FirstOrDefault()}");
        Assert.True(calls > 1000, $"only {calls} calls in 10 s");
    }
}
