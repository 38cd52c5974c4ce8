using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using VisionFactory.Server;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>
/// The real host on a fresh temporary data directory, deleted when the factory is disposed. <c>CreateClient()</c>
/// gives a client acting as the administrator (through an API key made by first-run set-up, sign-in and
/// <c>POST /api/keys</c>); <see cref="CreateAnonymousClient"/> one that is not signed in.
/// </summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly SemaphoreSlim keyGate = new(1, 1);
    private string? adminKey;
    private bool anonymous;

    /// <summary>The data directory; give another host's to start a host on its data (a restart).</summary>
    public string DataRoot { get; init; } = Path.Combine(Path.GetTempPath(), "vf-server-tests", Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Leave the data directory in place on dispose, for a host started on it next.</summary>
    public bool KeepData { get; init; }

    /// <summary>Host settings (e.g. <c>Server:MaxImportUploadBytes</c>) applied when the host starts; set them before the first request.</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal)
    {
        // Test images are written under this folder (TinyImageFolder); imports by server path are allowed only there.
        ["Server:ImportRoots:0"] = Path.Combine(Path.GetTempPath(), "vf-server-tests"),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(VisionFactoryWebHost.DataDirectoryKey, DataRoot);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>The administrator's API key, made on first use.</summary>
    public string AdminApiKey
    {
        get
        {
            keyGate.Wait();
            try
            {
                if (adminKey is null)
                {
                    _ = Server;
                    using var cookies = new HttpClient(new CookieContainerHandler { InnerHandler = Server.CreateHandler() }) { BaseAddress = Server.BaseAddress };
                    adminKey = AdminKey.CreateAsync(cookies).GetAwaiter().GetResult();
                }

                return adminKey;
            }
            finally
            {
                keyGate.Release();
            }
        }
    }

    public HttpClient CreateAnonymousClient()
    {
        anonymous = true;
        try
        {
            return CreateClient();
        }
        finally
        {
            anonymous = false;
        }
    }

    /// <summary>A client acting with an API key of a new user with this role (made by the administrator).</summary>
    public async Task<HttpClient> CreateClientWithRoleAsync(string role)
    {
        using var admin = CreateClient();
        var name = role + "-" + Guid.NewGuid().ToString("N")[..6];
        var created = await admin.PostAsync("/api/users", Json.Body(new { user_name = name, password = AdminKey.Password, role }));
        created.EnsureSuccessStatusCode();
        using var cookies = new HttpClient(new CookieContainerHandler { InnerHandler = Server.CreateHandler() }) { BaseAddress = Server.BaseAddress };
        (await cookies.PostAsync("/api/auth/login", Json.Body(new { user_name = name, password = AdminKey.Password }))).EnsureSuccessStatusCode();
        var token = await Json.ReadAsync(await cookies.GetAsync("/api/auth/antiforgery"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = Json.Body(new { name = "tests" }) };
        request.Headers.Add((string)token["header_name"]!, (string)token["token"]!);
        var key = await Json.ReadAsync(await cookies.SendAsync(request));
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)key["key"]!);
        return client;
    }

    /// <summary>A page as the server first renders it for a signed-in administrator; fails on anything but 200 or an error page.</summary>
    public async Task<string> PageAsync(string path)
    {
        using var client = new HttpClient(new CookieContainerHandler { InnerHandler = Server.CreateHandler() }) { BaseAddress = Server.BaseAddress };
        await AdminKey.CreateAsync(client);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        Xunit.Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {html[..Math.Min(2000, html.Length)]}");
        Xunit.Assert.DoesNotContain("An unhandled exception", html, StringComparison.Ordinal);
        return html;
    }

    protected override void ConfigureClient(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        base.ConfigureClient(client);
        if (!anonymous)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminApiKey);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        keyGate.Dispose();
        await base.DisposeAsync();
        if (!KeepData && Directory.Exists(DataRoot))
        {
            Directory.Delete(DataRoot, recursive: true);
        }
    }
}
