using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary><c>vf serve</c>'s console with the shipped log levels: what an operator sees, not a line per request.</summary>
public sealed class ServeLoggingTests
{
    private const int Requests = 40;

    [Fact]
    public async Task ServeDoesNotLogALinePerRequestButKeepsItsOwnStartLines()
    {
        using var data = new TempDirectory("vf-logging");
        using var vf = await VfProcess.StartAsync("web", data.Combine("data"), null, "web", shippedLogging: true);
        var before = await SettledLinesAsync(vf);

        for (var i = 0; i < Requests; i++)
        {
            (await vf.Client.GetAsync("/api/datasets")).EnsureSuccessStatusCode();
        }

        var after = await SettledLinesAsync(vf);
        Assert.True(after - before < Requests / 4, $"{Requests} requests added {after - before} console lines:\n{vf.Log}");
        Assert.Contains("Now listening on: http://127.0.0.1:", vf.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestLoggingCanBeTurnedBackOnByConfiguration()
    {
        using var data = new TempDirectory("vf-logging");
        var settings = new Dictionary<string, string> { ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information" };
        using var vf = await VfProcess.StartAsync("web", data.Combine("data"), null, "web", settings, shippedLogging: true);
        var before = await SettledLinesAsync(vf);

        for (var i = 0; i < Requests; i++)
        {
            (await vf.Client.GetAsync("/api/datasets")).EnsureSuccessStatusCode();
        }

        var after = await SettledLinesAsync(vf);
        Assert.True(after - before >= Requests, $"{Requests} requests added only {after - before} console lines with request logging on");
    }

    // The console is read asynchronously: the count is taken once it has stopped growing for a moment.
    private static async Task<int> SettledLinesAsync(VfProcess vf)
    {
        var lines = Count(vf.Log);
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(200);
            var now = Count(vf.Log);
            if (now == lines)
            {
                return now;
            }

            lines = now;
        }

        return lines;
    }

    private static int Count(string log) => log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
}
