namespace VisionFactory.Cli.Output;

/// <summary>Reports progress on the reporting thread, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
