using System.Net;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>Models trained through the API for tests that need one.</summary>
internal static class TrainedModels
{
    /// <summary>Starts a run with these settings, waits for it to finish, checks that it succeeded and returns its model's id.</summary>
    public static async Task<string> TrainAsync(HttpClient client, object settings, TimeSpan timeout)
    {
        using var started = await client.PostAsync("/api/runs", Json.Body(settings));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.OriginalString;
        var run = await Eventually.ValueAsync(
            async () => await Json.ReadAsync(await client.GetAsync(location)),
            latest => (string?)latest["state"] is "succeeded" or "failed",
            timeout,
            "the run to finish");
        Assert.True((string?)run["state"] == "succeeded", run.ToJsonString());
        return (string)run["model"]!;
    }
}
