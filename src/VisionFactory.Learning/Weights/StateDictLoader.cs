using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Weights;

/// <summary>How a source state dict differs from a module's own.</summary>
/// <param name="Missing">Keys the module has (and must be loaded) that the source lacks.</param>
/// <param name="Unexpected">Keys of the source the module does not have.</param>
/// <param name="MisShaped">Keys present on both sides with different shapes, with both shapes.</param>
public sealed record StateDictReport(
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<(string Key, long[] Expected, long[] Actual)> MisShaped)
{
    /// <summary>Whether the source matches exactly.</summary>
    public bool IsMatch => Missing.Count == 0 && Unexpected.Count == 0 && MisShaped.Count == 0;

    /// <summary>A readable, multi-line description of every difference.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Missing.Count} missing, {Unexpected.Count} unexpected, {MisShaped.Count} mis-shaped key(s).");
        if (Missing.Count > 0)
            text.Append("\nMissing: ").AppendJoin(", ", Missing);
        if (Unexpected.Count > 0)
            text.Append("\nUnexpected: ").AppendJoin(", ", Unexpected);
        foreach (var (key, expected, actual) in MisShaped)
            text.Append(CultureInfo.InvariantCulture, $"\nMis-shaped: {key} expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        return text.ToString();
    }
}

/// <summary>A state dict did not match the module it was to be loaded into; nothing was loaded.</summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Creates the exception from a comparison.</summary>
    public StateDictMismatchException(StateDictReport report)
        : base("The weights do not match the network; nothing was loaded. " + (report ?? throw new ArgumentNullException(nameof(report))))
    {
        Report = report;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public StateDictMismatchException()
        : this(new StateDictReport([], [], []))
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public StateDictMismatchException(string message)
        : base(message)
    {
        Report = new StateDictReport([], [], []);
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public StateDictMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Report = new StateDictReport([], [], []);
    }

    /// <summary>The differences.</summary>
    public StateDictReport Report { get; }
}

/// <summary>Loads a state dict into a module all or nothing: first every key and shape is checked, then values are copied.</summary>
public static class StateDictLoader
{
    /// <summary>Compares <paramref name="source"/> with the module's state dict.</summary>
    /// <param name="module">The target.</param>
    /// <param name="source">Tensors by parameter / buffer name.</param>
    /// <param name="keepOwn">Target keys that may be absent from the source and then keep their current values (e.g. a new head); null: none.</param>
    public static StateDictReport Compare(nn.Module module, IReadOnlyDictionary<string, Tensor> source, Func<string, bool>? keepOwn = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        var own = module.state_dict();
        var missing = own.Keys.Where(k => !source.ContainsKey(k) && !(keepOwn?.Invoke(k) ?? false)).ToList();
        var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var misShaped = source
            .Where(p => own.TryGetValue(p.Key, out var target) && !target.shape.SequenceEqual(p.Value.shape))
            .Select(p => (p.Key, own[p.Key].shape, p.Value.shape))
            .ToList();
        return new StateDictReport(missing, unexpected, misShaped);
    }

    /// <summary>
    /// Copies every tensor of <paramref name="source"/> into the module's parameter or buffer of the same name,
    /// after checking that the keys and shapes match exactly (apart from <paramref name="keepOwn"/> keys).
    /// Values are converted to the target's element type and device. The source tensors stay the caller's.
    /// </summary>
    /// <exception cref="StateDictMismatchException">Any missing, unexpected or mis-shaped key; the module is unchanged.</exception>
    public static void LoadExact(nn.Module module, IReadOnlyDictionary<string, Tensor> source, Func<string, bool>? keepOwn = null)
    {
        var report = Compare(module, source, keepOwn);
        if (!report.IsMatch)
            throw new StateDictMismatchException(report);

        var own = module.state_dict();
        using var noGrad = no_grad();
        foreach (var (key, value) in source)
            own[key].copy_(value);
    }
}
