using System.Diagnostics;
using TorchSharp;
using VisionFactory.Learning.Architectures;
using static TorchSharp.torch;

namespace VisionFactory.Bench;

/// <summary>
/// <c>layout NAME,NAME [ROUNDS] [eval]</c>: each architecture's forward in evaluation at batch 1 and 16, and its training
/// step at batch 16, with the input in the default layout and channels-last (and, for evaluation, oneDNN's blocked layout
/// where the architecture can run in it), in alternating rounds (median). The figures behind each architecture's layout
/// choices in <see cref="ArchitectureDefinition"/>.
/// </summary>
internal static class LayoutBench
{
    public static void Run(IReadOnlyList<string> names, int rounds, bool evaluationOnly)
    {
        const int threads = 2, trainBatch = 16, trainSteps = 3, inferRuns = 10;
        torch.set_num_threads(threads);
        Console.WriteLine();
        Console.WriteLine($"## Memory layout: ms per forward (evaluation) and per training step, default layout (NCHW) against channels-last (CL) and, where the architecture runs in it, oneDNN's blocked layout (evaluation only), {threads} threads, {rounds} alternating round(s), median");
        Console.WriteLine($"  {"architecture",-20} {"eval b1 NCHW",13} {"CL",7} {"blocked",8} {"eval b16 NCHW",14} {"CL",7} {"blocked",8} {"train b16 NCHW",15} {"CL",7}");
        foreach (var name in names)
        {
            var architecture = ArchitectureCatalog.Default.Get(name);
            var size = architecture.DefaultImageSize;
            using var network = architecture.Build(2, size, loadPretrained: false);
            var times = new Dictionary<string, List<double>>();
            void Add(string key, double ms) => (times.TryGetValue(key, out var l) ? l : times[key] = []).Add(ms);
            for (var round = 0; round < rounds; round++)
            {
                foreach (var tag in new[] { "nchw", "cl", "blocked" })
                {
                    if (tag == "blocked" && network.BlockedInferenceUntil is null)
                    {
                        continue;
                    }

                    network.Module.eval();
                    foreach (var batch in new[] { 1, trainBatch })
                    {
                        using (inference_mode())
                        using (var scope = NewDisposeScope())
                        {
                            // Blocked input goes back to dense tensors where the network's own hook says (BlockedInferenceUntil).
                            var x = Input(batch, size, tag);
                            network.Module.call(x).Dispose();
                            var clock = Stopwatch.StartNew();
                            var runs = batch == 1 ? inferRuns : 3;
                            for (var i = 0; i < runs; i++)
                            {
                                using var step = NewDisposeScope();
                                network.Module.call(x);
                            }

                            Add($"eval{batch}-{tag}", clock.Elapsed.TotalMilliseconds / runs);
                        }
                    }

                    if (evaluationOnly || tag == "blocked")
                    {
                        continue;
                    }

                    network.Module.train();
                    using var optimizer = optim.SGD(network.Module.parameters(), 0.001, momentum: 0.9);
                    using (var scope = NewDisposeScope())
                    {
                        var x = Input(trainBatch, size, tag);
                        var y = torch.randint(0, 2, [trainBatch], dtype: ScalarType.Int64);
                        void Step()
                        {
                            using var step = NewDisposeScope();
                            optimizer.zero_grad();
                            nn.functional.cross_entropy(network.Module.call(x), y).backward();
                            optimizer.step();
                        }

                        Step();
                        var clock = Stopwatch.StartNew();
                        for (var i = 0; i < trainSteps; i++)
                        {
                            Step();
                        }

                        Add($"train-{tag}", clock.Elapsed.TotalMilliseconds / trainSteps);
                    }
                }
            }

            string M(string key)
            {
                if (!times.TryGetValue(key, out var measured))
                {
                    return "-";
                }

                var sorted = measured.Order().ToArray();
                return sorted[sorted.Length / 2].ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            }

            Console.WriteLine($"  {name,-20} {M("eval1-nchw"),13} {M("eval1-cl"),7} {M("eval1-blocked"),8} {M("eval16-nchw"),14} {M("eval16-cl"),7} {M("eval16-blocked"),8} {M("train-nchw"),15} {M("train-cl"),7}");
        }
    }

    private static Tensor Input(int batch, int size, string layout)
    {
        var x = torch.randn(batch, 3, size, size);
        return layout switch
        {
            "cl" => MemoryLayout.ToChannelsLast(x),
            "blocked" => BlockedLayout.ToBlocked(x),
            _ => x,
        };
    }
}
