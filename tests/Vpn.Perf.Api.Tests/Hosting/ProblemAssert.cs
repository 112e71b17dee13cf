using System.Net;
using System.Text.Json;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>Asserts an error response is RFC 9457 problem details with the expected status and catalogue code.</summary>
internal static class ProblemAssert
{
    public static async Task<JsonElement> IsAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal("https://vpn-perf.dev/problems/" + code, root.GetProperty("type").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.True(root.TryGetProperty("traceId", out _), "problem has no traceId");
        return root;
    }
}
