using System.Diagnostics;
using System.Text.Json;

namespace VisionFactory.Bench;

/// <summary>Runs ../shared/bench/pytorch_reference.py with Debian's python3 and returns its JSON result line.</summary>
public sealed class PyTorchReference(string script)
{
    public static PyTorchReference? Find()
    {
        var script = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "bench", "pytorch_reference.py"));
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3"))
        {
            return null;
        }

        return new PyTorchReference(script);
    }

    public JsonElement? Run(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };

        // PyTorch runs with OpenMP's own defaults, whatever this process was started with to try other settings.
        foreach (var variable in new[] { "OMP_WAIT_POLICY", "GOMP_SPINCOUNT" })
        {
            start.Environment.Remove(variable);
        }

        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            Console.WriteLine($"  pytorch reference failed (exit {process.ExitCode}): {error.Trim().Split('\n').LastOrDefault()}");
            Console.WriteLine("  install it with: apt-get install -y python3-torch python3-torchvision python3-pil python3-onnx");
            return null;
        }

        return JsonDocument.Parse(last).RootElement.Clone();
    }
}

/// <summary>Where the repository is, found from the program's folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VisionFactory.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run the benchmark from inside the repository");
    }
}
