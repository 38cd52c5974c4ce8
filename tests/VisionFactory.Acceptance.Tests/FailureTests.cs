namespace VisionFactory.Acceptance.Tests;

/// <summary>How a failing command ends for a person: one message, a documented exit code, the trace only on request.</summary>
[Collection(PublishedVfGroup.Name)]
public sealed class FailureTests(PublishedVf vf)
{
    [Fact]
    public void AnUnexpectedFailureIsOneMessageWithAHintAndExit1AndVerboseShowsTheTrace()
    {
        var here = vf.NewFolder("failure");
        var file = Path.Combine(here, "a-file");
        File.WriteAllText(file, "not a folder");
        var data = Path.Combine(file, "data");

        var plain = vf.Run(here, null, "dataset", "list", "--data", data);
        var json = vf.Run(here, null, "dataset", "list", "--data", data, "--json");
        var verbose = vf.Run(here, null, "dataset", "list", "--data", data, "--verbose");

        Assert.Equal(1, plain.ExitCode);
        plain.AssertNoStackTrace();
        Assert.StartsWith("error: ", plain.Error, StringComparison.Ordinal);
        Assert.Contains(data, plain.Error, StringComparison.Ordinal);
        Assert.Contains("--verbose", plain.Error, StringComparison.Ordinal);
        Assert.Equal(2, plain.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        Assert.Equal(1, json.ExitCode);
        Assert.Equal("unexpected", json.Json.GetProperty("kind").GetString());
        Assert.Equal(1, json.Json.GetProperty("exit_code").GetInt32());
        Assert.Contains(data, json.Json.GetProperty("error").GetString(), StringComparison.Ordinal);

        Assert.Equal(1, verbose.ExitCode);
        Assert.Matches(@"(?m)^\s+at VisionFactory\.", verbose.Error);
    }

    [Fact]
    public void AMissingModelOrFileExitsWith3AndNamesIt()
    {
        var here = vf.NewFolder("missing");
        var picture = Path.Combine(here, "picture.png");
        File.WriteAllBytes(picture, VisionFactory.Testing.SyntheticImages.Encode(0, 0));

        var model = vf.Run(here, null, "predict", "m-00000000", picture, "--data", Path.Combine(here, "data"));
        var image = vf.Run(here, null, "explain", "m-00000000", Path.Combine(here, "nowhere.png"), "--data", Path.Combine(here, "data"));

        Assert.Equal(3, model.ExitCode);
        model.AssertNoStackTrace();
        Assert.Equal(3, image.ExitCode);
        image.AssertNoStackTrace();
    }
}
