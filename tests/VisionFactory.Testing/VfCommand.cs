using System.Diagnostics;
using System.Text.Json;

namespace VisionFactory.Testing;

/// <summary>What one <c>vf</c> process printed and how it exited.</summary>
public sealed record VfCommandResult(int ExitCode, string Output, string Error)
{
    /// <summary>The single JSON document printed on standard output.</summary>
    public JsonElement Json => JsonDocument.Parse(Output).RootElement;
}

/// <summary>Runs one <c>vf</c> command as a fresh process (the built vf.dll beside the tests), as an administrator's shell would.</summary>
public static class VfCommand
{
    public static Task<VfCommandResult> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string?>(), args);

    /// <summary>Runs one command with <paramref name="environment"/> added to (or, for null values, removed from) its environment: settings such as <c>Collect__Public__Mirror</c>.</summary>
    public static async Task<VfCommandResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vf.dll"));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new VfCommandResult(process.ExitCode, await output, await error);
    }
}
