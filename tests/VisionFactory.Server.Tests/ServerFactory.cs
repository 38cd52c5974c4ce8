using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using VisionFactory.Server;

namespace VisionFactory.Server.Tests;

/// <summary>The real host on a fresh temporary data directory, deleted when the factory is disposed.</summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    public string DataRoot { get; } = Path.Combine(Path.GetTempPath(), "vf-server-tests", Guid.NewGuid().ToString("N")[..12]);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(VisionFactoryWebHost.DataDirectoryKey, DataRoot);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DataRoot))
        {
            Directory.Delete(DataRoot, recursive: true);
        }
    }
}
