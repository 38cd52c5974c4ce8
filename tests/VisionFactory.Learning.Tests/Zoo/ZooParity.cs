using System.Text;
using System.Text.Json;
using TorchSharp;
using VisionFactory.Learning.Native;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Tests.Zoo;

/// <summary>
/// Proves a C# architecture equals torchvision's: same state-dict names and shapes, and the same logits when both
/// are filled with the same formula weights (see tools/golden/zoo_parity.py, which writes Golden/zoo/&lt;arch&gt;.json).
/// </summary>
public static class ZooParity
{
    public const double Tolerance = 1e-4;

    public static ZooGolden Read(string arch)
    {
        var path = Golden.PathOf(Path.Combine("zoo", arch + ".json"));
        Assert.True(File.Exists(path), $"no golden file for {arch}: run /usr/bin/python3 tools/golden/zoo_parity.py {arch}");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        return new ZooGolden(
            arch,
            root.GetProperty("num_classes").GetInt32(),
            root.GetProperty("input_size").GetInt32(),
            root.GetProperty("parameters").GetInt64(),
            root.GetProperty("keys").EnumerateArray().Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList(),
            root.GetProperty("logits").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray());
    }

    /// <summary>Checks names and shapes, fills the module by the formula, and returns max |ours - torch| / max |torch| of the logits.</summary>
    /// <param name="arch">The architecture's name (its golden file).</param>
    /// <param name="module">The module to fill and run.</param>
    /// <param name="forward">How to run it (default: <c>module.call</c>), e.g. through <c>ClassifierNetwork.Logits</c>.</param>
    public static double Check(string arch, nn.Module<Tensor, Tensor> module, Func<Tensor, Tensor>? forward = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        TorchNativeLibrary.EnsureLoaded();
        var golden = Read(arch);
        var own = module.state_dict();
        var expected = golden.Keys.ToDictionary(k => k.Key, k => k.Shape);
        var missing = expected.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var unexpected = own.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var misShaped = own.Where(p => expected.TryGetValue(p.Key, out var s) && !s.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}] vs [{string.Join(",", expected[p.Key])}]").ToList();
        Assert.True(missing.Count + unexpected.Count + misShaped.Count == 0,
            $"{arch}: missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", unexpected)}]; mis-shaped [{string.Join(", ", misShaped)}]");
        Assert.Equal(golden.Parameters, module.parameters().Sum(p => p.numel()));

        using (no_grad())
        {
            foreach (var (name, tensor) in own)
            {
                using var value = ZooParityWeights.Fill(name, tensor.shape);
                tensor.copy_(value.to_type(tensor.dtype));
            }
        }

        module.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = ZooParityWeights.Fill("input", [2, 3, golden.InputSize, golden.InputSize]);
        var logits = (forward ?? module.call)(input).contiguous();
        Assert.Equal([2L, golden.NumClasses], logits.shape);
        return Golden.RelativeDifference(logits.data<float>().ToArray(), golden.Logits);
    }
}

/// <summary>What the golden file of one architecture holds.</summary>
public sealed record ZooGolden(
    string Arch, int NumClasses, int InputSize, long Parameters, IReadOnlyList<(string Key, long[] Shape)> Keys, float[] Logits);

/// <summary>The formula weights of tools/golden/zoo_parity.py, value for value.</summary>
public static class ZooParityWeights
{
    public static Tensor Fill(string name, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        var n = shape.Aggregate(1L, (a, b) => a * b);
        if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
        {
            return zeros(shape, ScalarType.Int64);
        }

        var hash = Fnv1a(name);
        double fanIn = shape.Length >= 2 ? shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 1;
        var values = new float[n];
        Parallel.For(0L, n, i =>
        {
            var u = (double)((ulong)((i * 2654435761L) + hash) & 0xFFFFFFFFUL) / 4294967296.0;
            var v = (2.0 * u) - 1.0;
            values[i] = (float)(name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5 + u
                : name.EndsWith("running_mean", StringComparison.Ordinal) ? 0.1 * v
                : name.Contains("layer_scale", StringComparison.Ordinal) ? 0.5 + (0.1 * v)
                : name.EndsWith(".bias", StringComparison.Ordinal) ? 0.05 * v
                : name.EndsWith(".weight", StringComparison.Ordinal) && shape.Length <= 1 ? 1.0 + (0.1 * v)
                : shape.Length >= 2 ? v * Math.Sqrt(6.0 / fanIn)
                : 0.1 * v);
        });

        return tensor(values, shape);
    }

    private static long Fnv1a(string name)
    {
        uint h = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            h = unchecked((h ^ b) * 16777619);
        }

        return h;
    }
}
