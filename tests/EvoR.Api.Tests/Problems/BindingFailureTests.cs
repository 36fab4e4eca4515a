using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Problems;

/// <summary>Bodies that are valid JSON but cannot be bound: a 400 problem naming the member on every endpoint, never a 500.</summary>
public sealed class BindingFailureTests : IDisposable
{
    private readonly ApiFactory _factory = new(new Dictionary<string, string?> { ["Embeddings:Enabled"] = "false" });
    private readonly HttpClient _client;

    public BindingFailureTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Theory]
    [InlineData("/v1/executions", """{"language":"python","code":"print(1)","tests":{"code":"assert 1"}}""", "tests.kind")]
    [InlineData("/v1/executions", """{"language":"python","code":"print(1)","tests":{}}""", "tests.kind")]
    [InlineData("/v1/generations", """{"problem":{"description":"x","language":"python","visibleTests":{"code":"assert 1"}}}""", "problem.visibleTests.kind")]
    [InlineData("/v1/generations", """{"problem":{"description":"x","language":"python","hiddenTests":{"cases":[]}}}""", "problem.hiddenTests.kind")]
    [InlineData("/v1/chat/completions", """{"model":"evor","messages":[{"role":"user","content":"x"}],"evor":{"visibleTests":{"code":"assert 1"}}}""", "evor.visibleTests.kind")]
    public async Task Post_TestsWithoutKind_Returns400NamingTheDiscriminator(string path, string body, string field)
    {
        using var response = await _client.PostAsync(path, Http.Json(body), Http.Ct);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation");
        var error = Assert.Single(problem.GetProperty("errors").EnumerateObject());
        Assert.Equal(field, error.Name);
        Assert.Contains("'script', 'io'", error.Value[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/executions", """{"language":"python","code":"print(1)","tests":{"kind":"magic","code":"x"}}""")]
    [InlineData("/v1/generations", """{"problem":{"description":"x","language":"python","visibleTests":{"kind":"magic"}}}""")]
    [InlineData("/v1/chat/completions", """{"model":"evor","messages":[{"role":"user","content":"x"}],"evor":{"visibleTests":{"kind":"magic"}}}""")]
    public async Task Post_TestsWithUnknownKind_Returns400UnsupportedTests(string path, string body)
    {
        using var response = await _client.PostAsync(path, Http.Json(body), Http.Ct);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unsupported-tests");
        Assert.Contains("'magic'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/executions", """{"language":"python","code":"print(1)","tests":"script"}""")]
    [InlineData("/v1/generations", """{"problem":{"description":"x","language":"python","visibleTests":[1]}}""")]
    [InlineData("/v1/chat/completions", """{"model":"evor","messages":[{"role":"user","content":"x"}],"evor":{"visibleTests":7}}""")]
    public async Task Post_TestsOfTheWrongJsonType_Returns400InvalidJson(string path, string body)
    {
        using var response = await _client.PostAsync(path, Http.Json(body), Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-json");
    }
}
