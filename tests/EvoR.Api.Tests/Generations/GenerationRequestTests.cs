using System.Net;
using EvoR.Api.Tests.Support;
using EvoR.Pipeline.Methods;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Api.Tests.Generations;

/// <summary>Requests refused before a job exists: bad input, no model, unknown ids. No sandbox needed.</summary>
public sealed class GenerationRequestTests : IDisposable
{
    private readonly string _knowledge = Directory.CreateTempSubdirectory("evor-generation-requests-").FullName;

    public void Dispose() => Directory.Delete(_knowledge, recursive: true);

    private ApiFactory Factory(bool withModel = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Knowledge:RootPath"] = _knowledge,
            ["Embeddings:Enabled"] = "false",
        };
        if (withModel)
        {
            // Nothing is ever asked: every request here is refused before a job exists.
            settings["Llm:Provider"] = "openai";
            settings["Llm:Endpoint"] = "http://127.0.0.1:9/v1";
            settings["Llm:Model"] = "test-model";
        }

        return new ApiFactory(settings);
    }

    [Theory]
    [InlineData("""{ "problem": { "language": "python" } }""", HttpStatusCode.BadRequest, "validation", "problem.description")]
    [InlineData("""{ "problem": { "description": "  ", "language": "python" } }""", HttpStatusCode.BadRequest, "validation", "problem.description")]
    [InlineData("""{ "problem": { "description": "x" } }""", HttpStatusCode.BadRequest, "validation", "problem.language")]
    [InlineData("""{ "method": "evor" }""", HttpStatusCode.BadRequest, "validation", "problem")]
    [InlineData("""{ "method": "magic", "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "unknown-method", "method")]
    [InlineData("""{ "problem": { "description": "x", "language": "cobol" } }""", HttpStatusCode.BadRequest, "unknown-language", "problem.language")]
    [InlineData("""{ "maxRounds": 0, "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "limit-out-of-range", "maxRounds")]
    [InlineData("""{ "maxRounds": 21, "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "limit-out-of-range", "maxRounds")]
    [InlineData("""{ "timeBudgetSeconds": 99999, "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "limit-out-of-range", "timeBudgetSeconds")]
    [InlineData("""{ "tokenBudget": 0, "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "limit-out-of-range", "tokenBudget")]
    [InlineData("""{ "llm": { "temperature": 3 }, "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "limit-out-of-range", "llm.temperature")]
    [InlineData("""{ "llm": { "maxOutputTokens": 1 }, "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "limit-out-of-range", "llm.maxOutputTokens")]
    [InlineData("""{ "sources": ["documentation", "rumours"], "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.BadRequest, "invalid-source-kind", "sources[1]")]
    [InlineData("""{ "problem": { "description": "x", "language": "python", "style": "gui" } }""", HttpStatusCode.BadRequest, "invalid-request", "problem.style")]
    [InlineData("""{ "knowledgeBase": "nope", "problem": { "description": "x", "language": "python" } }""", HttpStatusCode.NotFound, "unknown-knowledge-base", "knowledgeBase")]
    public async Task Create_BadInput_ProblemNamesTheField(string body, HttpStatusCode status, string slug, string field)
    {
        using var factory = Factory();
        using var client = factory.CreateClient();

        using var response = await client.PostGenerationAsync(body);

        var problem = await response.AssertProblemAsync(status, slug);
        var named = slug == "validation"
            ? problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Single()
            : problem.GetProperty("field").GetString();
        Assert.Equal(field, named);
    }

    [Fact]
    public async Task Create_UnknownMethod_ListsTheRegisteredMethods()
    {
        using var factory = Factory();
        using var client = factory.CreateClient();

        using var response = await client.PostGenerationAsync("""{ "method": "magic", "problem": { "description": "x", "language": "python" } }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-method");
        var registered = factory.Services.GetRequiredService<MethodRunner>().Methods.Keys.Order(StringComparer.Ordinal);
        Assert.Equal(registered, problem.GetProperty("knownMethods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(EvoR.Pipeline.Methods.MethodCatalog.All.Select(m => m.Name).Order(StringComparer.Ordinal), registered);
        Assert.Subset(registered.ToHashSet(), new HashSet<string> { "docprompting", "evor", "evor+reflexion", "reflexion", "vanilla", "evor-no-evolution" });
    }

    [Theory]
    [InlineData("")]
    [InlineData("{ broken")]
    public async Task Create_EmptyOrMalformedBody_InvalidJson(string body)
    {
        using var factory = Factory();
        using var client = factory.CreateClient();

        using var response = await client.PostGenerationAsync(body);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-json");
    }

    [Fact]
    public async Task Create_NoModelConfigured_503NamingTheSettingAndNoJob()
    {
        using var factory = Factory(withModel: false);
        using var client = factory.CreateClient();

        using var response = await client.PostGenerationAsync("""{ "method": "vanilla", "problem": { "description": "x", "language": "python" } }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "llm-not-configured");
        Assert.Contains("Llm:Model", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Llm:Model", problem.GetProperty("missingSettings").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain(factory.Logs.GetSnapshot(), r => r.Id.Id == 1201); // nothing was queued
    }

    [Theory]
    [InlineData("GET", "/v1/generations/gen_unknown")]
    [InlineData("GET", "/v1/generations/gen_unknown/events")]
    [InlineData("DELETE", "/v1/generations/gen_unknown")]
    public async Task UnknownId_404(string method, string path)
    {
        using var factory = Factory();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Events_MalformedLastEventId_400()
    {
        using var factory = Factory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/generations/gen_unknown/events");
        request.Headers.Add("Last-Event-ID", "abc");

        using var response = await client.SendAsync(request, Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-last-event-id");
    }

    [Fact]
    public void Start_DatabaseFolderIsAFile_RefusesAndNamesTheSetting()
    {
        var file = Path.Combine(_knowledge, "not-a-folder");
        File.WriteAllText(file, "");
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Generations:DatabasePath"] = Path.Combine(file, "generations.db") });

        StartFailure.Assert(factory, "Generations:DatabasePath");
    }

    [Theory]
    [InlineData("Generations:Workers", "0")]
    [InlineData("Generations:QueueLimit", "-1")]
    [InlineData("Generations:DefaultTimeBudgetSeconds", "7200")]
    [InlineData("Generations:DefaultTokenBudget", "5000000")]
    public void Start_InvalidGenerationOptions_FailsValidation(string key, string value)
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { [key] = value });

        StartFailure.Assert(factory, key.Split(':')[1]);
    }

    [Fact]
    public async Task Get_OpenApiDocument_ListsTheGenerationAndChatEndpoints()
    {
        using var factory = Factory();
        using var client = factory.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json", Http.Ct)).ReadJsonAsync();
        var paths = document.GetProperty("paths");

        var post = paths.GetProperty("/v1/generations").GetProperty("post");
        Assert.Superset(new HashSet<string> { "202", "400", "404", "503" }, post.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet());
        Assert.True(paths.GetProperty("/v1/generations/{id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/generations/{id}").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/v1/generations/{id}/events").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").TryGetProperty("text/event-stream", out _));
        var chat = paths.GetProperty("/v1/chat/completions").GetProperty("post").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.True(chat.TryGetProperty("application/json", out _));
        Assert.True(chat.TryGetProperty("text/event-stream", out _));
        Assert.True(paths.GetProperty("/v1/models").TryGetProperty("get", out _));
    }
}
