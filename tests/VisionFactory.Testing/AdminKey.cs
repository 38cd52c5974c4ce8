using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VisionFactory.Testing;

/// <summary>
/// Signs in to a running host the way a new user does (first-run set-up, or sign-in once it is done) and makes an
/// API key for the administrator, through the real endpoints. The client's handler must keep cookies.
/// </summary>
public static class AdminKey
{
    public const string UserName = "admin";
    public const string Password = "correct horse battery staple";

    public static async Task<string> CreateAsync(HttpClient cookieClient)
    {
        ArgumentNullException.ThrowIfNull(cookieClient);
        var setup = JsonNode.Parse(await cookieClient.GetStringAsync(new Uri("/api/setup", UriKind.Relative)))!;
        var signIn = (bool)setup["needs_setup"]!
            ? await cookieClient.PostAsJsonAsync("/api/setup", new { user_name = UserName, password = Password })
            : await cookieClient.PostAsJsonAsync("/api/auth/login", new { user_name = UserName, password = Password });
        await Ensure(signIn);

        var antiforgery = JsonNode.Parse(await cookieClient.GetStringAsync(new Uri("/api/auth/antiforgery", UriKind.Relative)))!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "tests" }) };
        request.Headers.Add((string)antiforgery["header_name"]!, (string)antiforgery["token"]!);
        using var created = await cookieClient.SendAsync(request);
        await Ensure(created);
        return (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["key"]!;
    }

    private static async Task Ensure(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
