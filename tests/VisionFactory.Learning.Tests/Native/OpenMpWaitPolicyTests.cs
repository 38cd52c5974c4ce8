using System.Globalization;
using VisionFactory.Learning.Native;

namespace VisionFactory.Learning.Tests.Native;

public sealed class OpenMpWaitPolicyTests
{
    [Fact]
    public void LibtorchLoadsWithAShortSpinThenPassiveWaitingUnlessTheWaitWasChosen()
    {
        TorchNativeLibrary.EnsureLoaded();
        using var probe = TorchSharp.torch.ones(4).sum();
        if (!OperatingSystem.IsLinux())
            return;

        // .NET's environment is the process's starting one: a policy or spin set there was the person's choice and is
        // kept as it is, without the other being added.
        var chosenPolicy = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable);
        var chosenSpin = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.SpinVariable);
        if (chosenPolicy is null && chosenSpin is null)
        {
            Assert.Equal(OpenMpWaitPolicy.Passive, OpenMpWaitPolicy.Current());
            Assert.Equal(OpenMpWaitPolicy.SpinCount.ToString(CultureInfo.InvariantCulture), OpenMpWaitPolicy.Spin());
        }
        else
        {
            Assert.Equal(chosenPolicy, OpenMpWaitPolicy.Current());
            Assert.Equal(chosenSpin, OpenMpWaitPolicy.Spin());
        }

        Assert.Equal(OpenMpWaitPolicy.Current(), OpenMpWaitPolicy.Apply());
    }
}
