using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace VisionFactory.Testing;

/// <summary>
/// <c>vf serve</c> as a real process (the built vf.dll beside the tests: the test project references the CLI), on a loopback port, with its output kept
/// for the failure message. It can be killed (-9), frozen (-STOP) and thawed (-CONT) like any worker.
/// </summary>
public sealed class VfProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private VfProcess(Process process, int port, string name)
    {
        this.process = process;
        Port = port;
        Name = name;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public string Name { get; }

    public int Pid => process.Id;

    public HttpClient Client { get; }

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>vf serve</c> and waits until it answers <c>/health</c>: the vf.dll beside the tests, or the published
    /// program <paramref name="executable"/>. Its log shows every category at Information unless
    /// <paramref name="shippedLogging"/> asks for the levels it ships with.
    /// </summary>
    public static async Task<VfProcess> StartAsync(
        string name, string data, string? postgres, string role, IReadOnlyDictionary<string, string>? settings = null, bool signIn = true,
        bool shippedLogging = false, string? executable = null, TimeSpan? startTimeout = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] program = executable is null ? [Path.Combine(AppContext.BaseDirectory, "vf.dll")] : [];
        foreach (var a in (string[])[.. program, "serve", "--urls", $"http://127.0.0.1:{port}", "--role", role, "--data", data])
        {
            start.ArgumentList.Add(a);
        }

        if (postgres is not null)
        {
            start.ArgumentList.Add("--database");
            start.ArgumentList.Add(postgres);
        }

        // Short leases so that a dead worker is noticed in seconds, not half a minute.
        start.Environment["Factory__LeaseDuration"] = "00:00:04";
        start.Environment["Factory__HeartbeatInterval"] = "00:00:00.500";
        start.Environment["Factory__ReapInterval"] = "00:00:01";
        start.Environment["Factory__QueuePollInterval"] = "00:00:00.500";
        if (!shippedLogging)
        {
            start.Environment["Logging__LogLevel__Default"] = "Information";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var vf = new VfProcess(process, port, name);
        process.OutputDataReceived += (_, e) => vf.Append(e.Data);
        process.ErrorDataReceived += (_, e) => vf.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        // Waits until the redirected output has been read to its end, so the log holds the last lines.
                        await process.WaitForExitAsync();
                        throw new InvalidOperationException($"{name} exited {process.ExitCode} at start:\n{vf.Log}");
                    }

                    try
                    {
                        return (await vf.Client.GetAsync("/health")).IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false; // Not listening yet.
                    }
                },
                startTimeout ?? TimeSpan.FromSeconds(60),
                $"{name} to answer /health",
                () => "its log:\n" + vf.Log,
                TimeSpan.FromMilliseconds(200));
        }
        catch (TimeoutException)
        {
            vf.Dispose();
            throw;
        }

        // A web host is used as the administrator, through an API key made the way a new user would.
        if (role != "worker" && signIn)
        {
            using var cookies = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = vf.Client.BaseAddress };
            vf.Client.DefaultRequestHeaders.Authorization = new("Bearer", await AdminKey.CreateAsync(cookies));
        }

        return vf;
    }

    public void KillHard()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>Asks the process to stop, as a service manager does, and waits until it has.</summary>
    public int Terminate(TimeSpan timeout)
    {
        Signal("TERM");
        if (!process.WaitForExit(timeout))
        {
            throw new TimeoutException($"{Name} did not stop within {timeout.TotalSeconds} s of SIGTERM:\n{Log}");
        }

        return process.ExitCode;
    }

    public void Freeze() => Signal("STOP");

    public void Thaw() => Signal("CONT");

    public async Task<JsonNode> GetAsync(string path) =>
        JsonNode.Parse(await Client.GetStringAsync(path)) ?? throw new InvalidOperationException($"{path} returned null");

    public async Task<JsonNode> PostAsync(string path, object body)
    {
        var response = await Client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls a run until <paramref name="until"/> holds, failing with the process logs on timeout.</summary>
    public Task<JsonNode> WaitForRunAsync(string runId, Func<JsonNode, bool> until, TimeSpan timeout, params VfProcess[] others) =>
        Eventually.ValueAsync(
            () => GetAsync($"/api/runs/{runId}"),
            until,
            timeout,
            $"run {runId} to reach the expected state",
            run => $"{run.ToJsonString()}\n" + string.Join("\n", new[] { this }.Concat(others).Select(p => $"--- {p.Name} ---\n{p.Log}")));

    public void Dispose()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            Signal("CONT");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
