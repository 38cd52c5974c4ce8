using System.Runtime.InteropServices;
using System.Text.Json;

namespace VisionFactory.Learning.Tests;

/// <summary>Reads the golden files written by tools/golden/resnet18_features.py.</summary>
internal static class Golden
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Golden", file);

    /// <summary>A little-endian float32 <c>NAME.bin</c> with its <c>NAME.json</c> header.</summary>
    public static (long[] Shape, float[] Values) ReadFloats(string name)
    {
        using var header = JsonDocument.Parse(File.ReadAllText(PathOf(name + ".json")));
        var shape = header.RootElement.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(PathOf(name + ".bin"))).ToArray();
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), values.Length);
        return (shape, values);
    }

    /// <summary>The torchvision state-dict entries (key, shape) of ResNet(BasicBlock, [2, 2, 2, 3], 1000 classes).</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> StateDict2223()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(PathOf("resnet18_2223_state_dict.json")));
        return document.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .ToList();
    }

    /// <summary>max |a - b| / max |b|.</summary>
    public static double RelativeDifference(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxAbs = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)actual[i] - expected[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs((double)expected[i]));
        }

        return maxDiff / maxAbs;
    }
}
