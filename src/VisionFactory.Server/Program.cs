namespace VisionFactory.Server;

/// <summary>
/// The standalone server: <c>dotnet VisionFactory.Server.dll [--urls http://host:port] [--VF_DATA folder]</c>.
/// <c>vf serve</c> builds the same host through <see cref="VisionFactoryWebHost"/>.
/// </summary>
/// <remarks>
/// An explicit class in a namespace rather than top-level statements: the CLI, which references this project,
/// has its own global <c>Program</c>, and two of them would clash in the CLI and in the tests.
/// </remarks>
public sealed class Program
{
    private Program()
    {
    }

    public static async Task Main(string[] args)
    {
        var app = VisionFactoryWebHost.Build(args);
        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync().ConfigureAwait(false);
        }
    }
}
