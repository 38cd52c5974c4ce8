using VisionFactory.Learning.Native;

namespace VisionFactory.Learning.Tests.Native;

public sealed class OpenMpWaitPolicyTests
{
    [Fact]
    public void LibtorchLoadsWithPassiveWaitingUnlessThePolicyWasChosen()
    {
        TorchNativeLibrary.EnsureLoaded();
        using var probe = TorchSharp.torch.ones(4).sum();
        if (!OperatingSystem.IsLinux())
            return;

        // .NET's environment is the process's starting one: a policy set there was the person's choice and is kept.
        var chosen = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable);
        Assert.Equal(chosen ?? OpenMpWaitPolicy.Passive, OpenMpWaitPolicy.Current());
        Assert.Equal(OpenMpWaitPolicy.Current(), OpenMpWaitPolicy.Apply());
    }
}
