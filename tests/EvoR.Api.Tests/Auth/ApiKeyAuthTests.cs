using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Auth;

public sealed class ApiKeyAuthTests : IDisposable
{
    private readonly ApiFactory _factory = new(ApiFactory.WithKeys());
    private readonly HttpClient _client;

    public ApiKeyAuthTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Theory]
    [InlineData(ApiFactory.ValidKey)]
    [InlineData(ApiFactory.OtherKey)]
    public async Task Post_ValidKey_Executes(string key)
    {
        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""", key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_NoKey_Returns401WithBearerChallenge()
    {
        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Null(_factory.Executor.LastRequest);
    }

    [Theory]
    [InlineData("Bearer wrong-key")]
    [InlineData("Bearer " + ApiFactory.ValidKey + "x")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    [InlineData(ApiFactory.ValidKey)]
    public async Task Get_InvalidAuthorization_Returns401InvalidToken(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/languages");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await _client.SendAsync(request, Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("invalid_token", challenge.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_LanguagesWithValidKey_Returns200()
    {
        var response = await _client.GetAsync("/v1/languages", ApiFactory.ValidKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Get_HealthWithoutKey_StaysOpen()
    {
        var response = await _client.GetAsync("/health", key: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class OpenModeTests
{
    [Fact]
    public async Task Post_NoKeysConfigured_ExecutesWithoutAuthorization()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var response = await client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Start_NoKeysOnLoopback_WarnsApiIsOpen()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var warning = Assert.Single(factory.Logs.GetSnapshot(), r => r.Id.Id == 1032);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains("Auth:ApiKeys", warning.Message, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:5080", warning.Message, StringComparison.Ordinal);
    }
}
