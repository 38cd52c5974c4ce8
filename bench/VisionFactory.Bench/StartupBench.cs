using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using VisionFactory.Testing;

namespace VisionFactory.Bench;

/// <summary>
/// What a person waits for at the command line: process start to exit of the published vf (built here with the
/// README's <c>dotnet publish</c>), cold (a fresh home: nothing prepared) and warm (the same home again), and
/// <c>vf serve</c> from start to its first answered <c>/api/predict</c>, before and after a restart. Beside it, the
/// same kind of wait for a PyTorch user: a fresh python3 that imports torch and torchvision and classifies one
/// picture with a ResNet-18.
/// </summary>
public static partial class StartupBench
{
    private const int WarmRounds = 5;

    public static async Task RunAsync(string masks)
    {
        using var temp = new TempDirectory("vf-startup-bench");
        var folder = temp.Combine("vf");
        Console.WriteLine("startup: publishing vf (dotnet publish src/VisionFactory.Cli -c Release)...");
        Exec("dotnet", Repository.Root, null, ["publish", "src/VisionFactory.Cli", "-c", "Release", "-o", folder, "--disable-build-servers", "-nodeReuse:false"]);
        var vf = Path.Combine(folder, "vf");

        // One small dataset and a head-only model on it (the bundled ResNet at 224 px).
        var data = temp.Combine("data");
        var subset = temp.Combine("subset");
        foreach (var c in (string[])["with_mask", "without_mask"])
        {
            Directory.CreateDirectory(Path.Combine(subset, c));
            foreach (var f in Directory.EnumerateFiles(Path.Combine(masks, c)).Order(StringComparer.Ordinal).Take(40))
                File.Copy(f, Path.Combine(subset, c, Path.GetFileName(f)));
        }

        var setupHome = temp.Combine("home-setup");
        Exec(vf, temp.Path, setupHome, ["dataset", "import", "masks", subset, "--data", data]);
        var trained = Exec(vf, temp.Path, setupHome, ["train", "masks", "--mode", "head", "--wait", "--data", data]);
        var model = ModelId().Match(trained).Value;
        var image = Directory.EnumerateFiles(Path.Combine(masks, "with_mask")).Order(StringComparer.Ordinal).Last();

        Console.WriteLine($"startup: {Environment.ProcessorCount} cores; each figure is process start to exit (median of {WarmRounds} warm runs)");
        Console.WriteLine($"  {"command",-44} {"cold (fresh home)",18} {"warm",10}");
        var commands = new (string Name, string[] Args)[]
        {
            ("vf --version", ["--version"]),
            ("vf zoo list (profiles known)", ["zoo", "list", "--data", data]),
            ("vf models", ["models", "--data", data]),
            ("vf predict <model> <one image>", ["predict", model, image, "--data", data]),
            ("vf predict ... --engine torch", ["predict", model, image, "--data", data, "--engine", "torch"]),
            ("vf predict ... --engine onnx", ["predict", model, image, "--data", data, "--engine", "onnx"]),
        };
        foreach (var (name, args) in commands)
        {
            var cold = Time(() => Exec(vf, temp.Path, NewHome(temp), args));
            var home = NewHome(temp);
            Exec(vf, temp.Path, home, args);
            var warm = Median(Enumerable.Range(0, WarmRounds).Select(_ => Time(() => Exec(vf, temp.Path, home, args))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-44} {cold,16:0.00} s {warm,8:0.00} s"));
        }

        // What auto chose when the model was deployed here (the first predict above measured both engines).
        var chosen = EngineName().Match(Exec(vf, temp.Path, NewHome(temp), ["predict", model, image, "--data", data, "--json"]));
        Console.WriteLine($"  (auto runs the model on {(chosen.Success ? chosen.Groups[1].Value : "?")}, the engine its deployment measured faster)");

        var freshData = temp.Combine("fresh-data");
        var firstZoo = Time(() => Exec(vf, temp.Path, NewHome(temp), ["zoo", "list", "--data", freshData]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"vf zoo list on a new data folder (profiles 50)",-44} {firstZoo,16:0.00} s {"(once)",10}"));

        var serveHome = NewHome(temp);
        foreach (var round in (string[])["cold (fresh home)", "after a restart"])
        {
            var clock = Stopwatch.StartNew();
            using var server = await VfProcess.StartAsync("bench", data, null, "all", new Dictionary<string, string> { ["HOME"] = round.StartsWith("cold", StringComparison.Ordinal) ? NewHome(temp) : serveHome }, executable: vf);
            var healthy = clock.Elapsed.TotalSeconds;
            using var content = new ByteArrayContent(await File.ReadAllBytesAsync(image));
            content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            var answer = await server.Client.PostAsync(new Uri($"/api/predict?model={model}", UriKind.Relative), content);
            answer.EnsureSuccessStatusCode();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  vf serve {round}: /health after {healthy:0.00} s, first /api/predict answered after {clock.Elapsed.TotalSeconds:0.00} s"));
            server.Terminate(TimeSpan.FromSeconds(30));
        }

        if (File.Exists("/usr/bin/python3"))
        {
            const string Script = "import torch, torchvision; m = torchvision.models.resnet18(); m.eval(); torch.no_grad().__enter__(); print(m(torch.rand(1, 3, 224, 224)).argmax().item())";
            var python = Median(Enumerable.Range(0, WarmRounds).Select(_ => Time(() => Exec("/usr/bin/python3", temp.Path, null, ["-c", Script]))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  reference: python3 importing torch + torchvision and classifying one 224 px image with ResNet-18 (warm): {python:0.00} s"));
        }
    }

    private static string NewHome(TempDirectory temp)
    {
        var home = temp.Combine("homes", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        return home;
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Exec(string program, string directory, string? home, string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k == "XDG_CACHE_HOME").ToList())
            start.Environment.Remove(key);
        if (home is not null)
            start.Environment["HOME"] = home;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}\n{output}");
    }

    [GeneratedRegex(@"\bm-[0-9a-f]{8}\b")]
    private static partial Regex ModelId();

    [GeneratedRegex(@"""engine"":\s*""(\w+)""")]
    private static partial Regex EngineName();
}
