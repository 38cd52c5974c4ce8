using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using VisionFactory.Testing;

namespace VisionFactory.Server.Tests;

/// <summary>A browser-like client of the real host: it keeps the sign-in cookie and sends the anti-forgery token with changes.</summary>
internal sealed class SignedInSession : IDisposable
{
    private string? tokenHeader;
    private string? token;

    private SignedInSession(HttpClient client)
    {
        Client = client;
    }

    public HttpClient Client { get; }

    public static SignedInSession Open(Microsoft.AspNetCore.TestHost.TestServer server) =>
        new(new HttpClient(new CookieContainerHandler { InnerHandler = server.CreateHandler() }) { BaseAddress = server.BaseAddress });

    /// <summary>Signs in through <c>POST /api/auth/login</c>; returns the answer.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string userName, string password = AdminKey.Password)
    {
        token = null;
        return await Client.PostAsync("/api/auth/login", Json.Body(new { user_name = userName, password }));
    }

    /// <summary>A change made with the cookie, carrying the anti-forgery token.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        if (token is null)
        {
            var answer = await Json.ReadAsync(await Client.GetAsync("/api/auth/antiforgery"));
            (tokenHeader, token) = ((string)answer["header_name"]!, (string)answer["token"]!);
        }

        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json.Body(body) };
        request.Headers.Add(tokenHeader!, token);
        return await Client.SendAsync(request);
    }

    /// <summary>Makes an API key with this session and returns a client that sends it.</summary>
    public async Task<HttpClient> KeyClientAsync(Microsoft.AspNetCore.TestHost.TestServer server)
    {
        var created = await SendAsync(HttpMethod.Post, "/api/keys", new { name = "script" });
        created.EnsureSuccessStatusCode();
        var client = new HttpClient(server.CreateHandler()) { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)(await Json.ReadAsync(created))["key"]!);
        return client;
    }

    public void Dispose() => Client.Dispose();
}
