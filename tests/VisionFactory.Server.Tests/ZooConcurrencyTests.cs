using System.Net;
using VisionFactory.Server;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// The zoo's first listing counts every architecture and stores the figures; several first visits at once (two tabs,
/// a page and the API) must all get the list, on SQLite and on PostgreSQL.
/// </summary>
public sealed class ZooConcurrencyTests
{
    [Fact]
    public async Task ConcurrentFirstListingsAllSucceedOnSqlite()
    {
        await using var factory = new ServerFactory();

        await AssertConcurrentFirstListingsSucceedAsync(factory);
    }

    [Fact]
    public async Task ConcurrentFirstListingsOnTwoHostsSharingPostgresAllSucceed()
    {
        using var postgres = new PostgresServer();
        var database = postgres.CreateDatabase();
        await using var first = new ServerFactory { Settings = { [VisionFactoryWebHost.DatabaseKey] = database } };
        await using var second = new ServerFactory { Settings = { [VisionFactoryWebHost.DatabaseKey] = database } };
        using var warm = first.CreateClient();

        await AssertConcurrentFirstListingsSucceedAsync(first, second);
    }

    private static async Task AssertConcurrentFirstListingsSucceedAsync(params ServerFactory[] hosts)
    {
        var clients = hosts.SelectMany(h => Enumerable.Range(0, 3).Select(_ => h.CreateClient())).ToList();

        // Counting 30-odd architectures takes minutes on a busy machine, beyond HttpClient's 100 s default.
        clients.ForEach(c => c.Timeout = TimeSpan.FromMinutes(10));
        try
        {
            var responses = await Task.WhenAll(clients.Select(c => c.GetAsync("/api/zoo")));

            foreach (var response in responses)
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/zoo answered {(int)response.StatusCode}: {body}");
            }

            var lists = await Task.WhenAll(responses.Select(r => Json.ReadAsync(r)));
            var resnet = lists.Select(l => (long)l.AsArray().Single(e => (string?)e!["name"] == "resnet18")!["params"]!).ToList();
            Assert.All(resnet, p => Assert.Equal(11_689_512L, p));
            Assert.All(lists, l => Assert.Equal(lists[0].AsArray().Count, l.AsArray().Count));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
