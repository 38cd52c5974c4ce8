using VisionFactory.Datasets.Collect.Remote;
using VisionFactory.Domain;

namespace VisionFactory.Datasets.Tests;

/// <summary>The server's remote pulls refuse internal addresses in every spelling unless their range is allowed.</summary>
public sealed class RemoteHostPolicyTests
{
    [Theory]
    [InlineData("sftp://u@127.0.0.1/x", "127.0.0.1")]
    [InlineData("sftp://u@[::1]/x", "::1")]
    [InlineData("ftp://[::ffff:127.0.0.1]/x", "127.0.0.1")]
    [InlineData("ftp://2130706433/x", "127.0.0.1")]
    [InlineData("ftp://0x7f000001/x", "127.0.0.1")]
    [InlineData("sftp://u@169.254.169.254/", "169.254.169.254")]
    [InlineData("ftp://10.0.0.7/x", "10.0.0.7")]
    [InlineData("ftp://192.168.1.20/x", "192.168.1.20")]
    [InlineData("ftp://[fd00::1]/x", "fd00::1")]
    [InlineData("ftp://0.0.0.0/x", "0.0.0.0")]
    public async Task InternalAddressesAreRefusedUnlessAllowed(string url, string resolved)
    {
        var address = RemoteAddress.Parse(url, out _);

        var refused = await Assert.ThrowsAsync<ProblemException>(() => new RemoteHostPolicy([]).ResolveAsync(address, CancellationToken.None));
        var allowed = await new RemoteHostPolicy([resolved.Contains(':', StringComparison.Ordinal) ? resolved + "/128" : resolved + "/32"]).ResolveAsync(address, CancellationToken.None);

        Assert.Contains($"is an internal address ({resolved})", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Collect:Remote:AllowedRanges", refused.Message, StringComparison.Ordinal);
        Assert.Equal(resolved, allowed.Host);
        Assert.Equal(address.Display, allowed.Display);
    }

    [Fact]
    public async Task PublicAddressesPassAndTheCommandLineIsUnrestricted()
    {
        var address = RemoteAddress.Parse("sftp://ann:secret@93.184.215.14:2222/photos", out var password);

        var checkedAddress = await new RemoteHostPolicy([]).ResolveAsync(address, CancellationToken.None);
        var local = await RemoteHostPolicy.Unrestricted.ResolveAsync(RemoteAddress.Parse("sftp://ann@127.0.0.1/x", out _), CancellationToken.None);

        Assert.Equal("secret", password);
        Assert.Equal("sftp://ann@93.184.215.14:2222/photos", checkedAddress.Display);
        Assert.Equal("127.0.0.1", local.Host);
        Assert.Throws<ProblemException>(() => new RemoteHostPolicy(["not-a-range"]));
    }
}
