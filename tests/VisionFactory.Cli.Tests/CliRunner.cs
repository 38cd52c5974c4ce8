using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Cli.Tests;

/// <summary>Runs <c>vf</c> in-process on its own data directory and captures what it prints.</summary>
public sealed class CliRunner : IDisposable
{
    private readonly TempDirectory temp = new("vf-cli");

    public string DataPath => temp.Combine("data");

    public string Scratch(string name)
    {
        var path = temp.Combine("scratch", name);
        Directory.CreateDirectory(path);
        return path;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await VfApp.RunAsync([.. args, "--data", DataPath], output, error, interactive: false, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public async Task<JsonElement> RunJsonAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--json"]);
        Assert.True(result.ExitCode == 0, $"vf {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result.Json;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Dispose();
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The single JSON document printed on standard output.</summary>
    public JsonElement Json => JsonDocument.Parse(Output).RootElement;
}
