using System.Diagnostics;
using System.Text;
using System.Text.Json;
using VisionFactory.Testing;

namespace VisionFactory.Acceptance.Tests;

/// <summary>
/// The <c>vf</c> command as the README's quick start makes it: <c>dotnet publish src/VisionFactory.Cli -c Release</c>,
/// once per test run, into a temporary folder. Every command then runs as its own process with a fresh home folder
/// (so a fresh cache: nothing a previous command prepared), as a person typing it would.
/// </summary>
public sealed class PublishedVf : IDisposable
{
    private readonly TempDirectory temp = new("vf-acceptance");
    private int homes;

    public PublishedVf()
    {
        Folder = temp.Combine("vf");
        var publish = Start("dotnet", Repository.Root,
            ["publish", "src/VisionFactory.Cli", "-c", "Release", "-o", Folder, "--disable-build-servers", "-nodeReuse:false"]);
        var result = Finish(publish, TimeSpan.FromMinutes(15));
        if (result.ExitCode != 0 || !File.Exists(Executable))
            throw new InvalidOperationException($"dotnet publish failed ({result.ExitCode}):\n{result.Output}\n{result.Error}");
    }

    /// <summary>Where vf was published.</summary>
    public string Folder { get; }

    /// <summary>The published program itself (the app host a user runs as ./out/vf).</summary>
    public string Executable => Path.Combine(Folder, "vf");

    /// <summary>A new, empty folder for a test's data, sources or outputs.</summary>
    public string NewFolder(string name)
    {
        var path = temp.Combine("work", $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A fresh home folder: no cache, no settings, as on a new machine.</summary>
    public string NewHome()
    {
        var path = temp.Combine("homes", $"home-{Interlocked.Increment(ref homes)}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs <c>vf args</c> in <paramref name="workingDirectory"/> as its own process with a fresh home.</summary>
    public VfResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var stopwatch = Stopwatch.StartNew();
        var home = NewHome();
        var process = Start(Executable, workingDirectory, args, home, environment);
        var result = Finish(process, TimeSpan.FromMinutes(10));
        return result with { Arguments = string.Join(' ', args), Seconds = stopwatch.Elapsed.TotalSeconds, Home = home };
    }

    /// <summary>Runs <c>vf args --json</c>, asserts it succeeded and returns its one JSON document.</summary>
    public JsonElement Json(string workingDirectory, params string[] args)
    {
        var result = Run(workingDirectory, null, [.. args, "--json"]);
        result.AssertSucceeded();
        return result.Json;
    }

    /// <summary>Starts <c>vf serve</c> from the published folder with a fresh home, signed in through an API key.</summary>
    public Task<VfProcess> ServeAsync(string name, string data, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["HOME"] = NewHome() };
        // Its first start migrates a new database; under a loaded CI machine that can take more than a minute.
        return VfProcess.StartAsync(name, data, null, "all", environment, executable: Executable, startTimeout: TimeSpan.FromMinutes(3));
    }

    public void Dispose() => temp.Dispose();

    private static readonly string[] CiVariables = ["CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "JENKINS_URL", "BUILDKITE"];

    /// <summary>The environment a person's shell would give: the build's and test host's own variables are left out.</summary>
    private static Process Start(
        string program, string workingDirectory, IEnumerable<string> args, string? home = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k == "XDG_CACHE_HOME").ToList())
            start.Environment.Remove(key);

        // Nor the marks of a CI machine, which libraries read to behave differently there (ONNX Runtime's telemetry).
        foreach (var key in CiVariables)
            start.Environment.Remove(key);
        if (home is not null)
            start.Environment["HOME"] = home;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        return Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
    }

    private static VfResult Finish(Process process, TimeSpan timeout)
    {
        using (process)
        {
            var output = new StringBuilder();
            var error = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"did not end within {timeout}:\n{output}\n{error}");
            }

            process.WaitForExit();
            return new VfResult(process.ExitCode, output.ToString(), error.ToString());
        }
    }
}

/// <summary>What one vf process did.</summary>
public sealed record VfResult(int ExitCode, string Output, string Error)
{
    public string Arguments { get; init; } = "";

    public double Seconds { get; init; }

    /// <summary>The fresh home folder the process ran with.</summary>
    public string Home { get; init; } = "";

    /// <summary>The single JSON document printed on standard output.</summary>
    public JsonElement Json
    {
        get
        {
            try
            {
                return JsonDocument.Parse(Output).RootElement;
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"vf {Arguments} did not print one JSON document ({e.Message}):\n{Output}\n{Error}", e);
            }
        }
    }

    public void AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"vf {Arguments} exited {ExitCode}:\n{Error}\n{Output}");
        AssertNoStackTrace();
    }

    /// <summary>A person never sees a .NET stack trace unless they ask for it with --verbose.</summary>
    public void AssertNoStackTrace()
    {
        Assert.False(
            StackFrame().IsMatch(Error) || StackFrame().IsMatch(Output),
            $"vf {Arguments} printed a stack trace:\n{Error}\n{Output}");
    }

    private static System.Text.RegularExpressions.Regex StackFrame() => new(@"^\s+at [\w.<>`]+[.(]", System.Text.RegularExpressions.RegexOptions.Multiline);
}

/// <summary>The repository this test run was built from.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VisionFactory.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("run the tests from inside the repository");
    }
}

/// <summary>One publish for every acceptance test: they share it and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PublishedVfGroup : ICollectionFixture<PublishedVf>
{
    public const string Name = "published vf";
}
