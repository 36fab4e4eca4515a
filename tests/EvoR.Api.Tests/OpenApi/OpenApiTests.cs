using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.OpenApi;

public sealed class OpenApiTests
{
    [Fact]
    public async Task Get_OpenApiDocument_DescribesEveryEndpoint()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/openapi/v1.json", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadJsonAsync();
        var paths = document.GetProperty("paths");
        var post = paths.GetProperty("/v1/executions").GetProperty("post");
        Assert.False(string.IsNullOrEmpty(post.GetProperty("summary").GetString()));
        var responses = post.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.Superset(new HashSet<string> { "200", "400", "401", "413", "429", "503" }, responses.ToHashSet());
        Assert.True(paths.GetProperty("/v1/languages").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/health").TryGetProperty("get", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.True(post.TryGetProperty("security", out _));
    }

    [Theory]
    [InlineData("/v1/knowledge-bases", "post", "201", "400")]
    [InlineData("/v1/knowledge-bases", "get", "200", "429")]
    [InlineData("/v1/knowledge-bases/{name}/documents", "post", "200", "413")]
    [InlineData("/v1/knowledge-bases/{name}/search", "get", "200", "404")]
    [InlineData("/v1/knowledge-bases/{name}/documents/{id}", "delete", "204", "404")]
    public async Task Get_OpenApiDocument_DescribesKnowledgeBaseEndpoints(string path, string method, string success, string problem)
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json", Http.Ct)).ReadJsonAsync();

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Contains(success, responses);
        Assert.Contains(problem, responses);
        Assert.Contains("401", responses);
        Assert.True(operation.TryGetProperty("security", out _));
    }

    [Theory]
    [InlineData("/v1/generations", "get", "200", "400")]
    [InlineData("/v1/generations/{id}", "get", "200", "404")]
    [InlineData("/v1/models/{id}", "get", "200", "404")]
    [InlineData("/v1/models", "get", "200", "401")]
    public async Task Get_OpenApiDocument_DescribesGenerationListAndModelEndpoints(string path, string method, string success, string problem)
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json", Http.Ct)).ReadJsonAsync();

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Contains(success, responses);
        Assert.Contains(problem, responses);
        Assert.True(operation.TryGetProperty("security", out _));
    }

    [Fact]
    public async Task Get_OpenApiDocument_RoundsAndListHaveSchemas()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json", Http.Ct)).ReadJsonAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var view = schemas.GetProperty("GenerationView").GetProperty("properties");
        Assert.EndsWith("/GenerationRoundSummary", Ref(view.GetProperty("rounds").GetProperty("items")), StringComparison.Ordinal);
        Assert.EndsWith("/RoundEvent", Ref(view.GetProperty("trace").GetProperty("items")), StringComparison.Ordinal);
        var round = schemas.GetProperty("RoundEvent").GetProperty("properties");
        foreach (var member in new[] { "round", "query", "retrieved", "program", "verdicts", "ranClean", "llmCalls", "timings" })
        {
            Assert.True(round.TryGetProperty(member, out _), $"RoundEvent has no '{member}'");
        }

        Assert.True(schemas.GetProperty("GenerationRoundSummary").GetProperty("properties").TryGetProperty("verdict", out _));
        var outcomes = schemas.GetProperty("AnswerOutcome").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["pending", "passed", "failed", "ranClean", "ranWithErrors", "untested", "noAnswer"], outcomes);
        Assert.Contains("sandboxError", schemas.GetProperty("Verdict").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var list = schemas.GetProperty("GenerationList").GetProperty("properties");
        Assert.True(list.TryGetProperty("nextCursor", out _));
        Assert.EndsWith("/GenerationListItem", Ref(list.GetProperty("data").GetProperty("items")), StringComparison.Ordinal);
        var parameters = document.GetProperty("paths").GetProperty("/v1/generations").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "status", "method", "limit", "cursor" }, parameters);
        var limit = document.GetProperty("paths").GetProperty("/v1/generations").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "limit").GetProperty("schema");
        Assert.Equal("integer", limit.GetProperty("type").GetString());
        Assert.Equal(100, limit.GetProperty("maximum").GetInt32());
    }

    private static string Ref(System.Text.Json.JsonElement schema) =>
        schema.TryGetProperty("$ref", out var r) ? r.GetString()! : schema.ToString();

    [Fact]
    public async Task Get_Scalar_ServesInteractiveUi()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/scalar", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
