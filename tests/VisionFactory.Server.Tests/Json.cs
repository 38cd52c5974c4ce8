using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionFactory.Server.Tests;

/// <summary>Reads response bodies as JSON trees, so that tests assert the wire format (snake_case) itself.</summary>
internal static class Json
{
    public static async Task<JsonNode> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(body) ?? throw new InvalidOperationException($"empty body from {response.RequestMessage?.RequestUri}");
    }

    public static async Task<JsonNode> ProblemAsync(HttpResponseMessage response, int status)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadAsync(response);
        Assert.Equal(status, (int)problem["status"]!);
        return problem;
    }

    public static JsonContent Body(object value) => JsonContent.Create(value, options: new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    });
}
