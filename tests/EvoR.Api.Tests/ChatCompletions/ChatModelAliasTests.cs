using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using EvoR.Api.Tests.Generations;
using EvoR.Api.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace EvoR.Api.Tests.ChatCompletions;

/// <summary>The OpenAI facade for tools that cannot add fields: model aliases (<c>Generations:Models</c>),
/// <c>GET /v1/models/{id}</c>, OpenAI's <c>error</c> member on every problem of the OpenAI paths, and validation
/// messages that name the chat request's field.</summary>
public sealed class ChatModelAliasTests
{
    private const string Question = "Write get_value(bucket, key) that returns the value stored under key in a pondlet Bucket.";
    private const string Alias = "pondlet-docs";

    private static Dictionary<string, string?> AliasSettings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? [])
        {
            [$"Generations:Models:{Alias}:Method"] = "evor",
            [$"Generations:Models:{Alias}:KnowledgeBase"] = "docs",
            [$"Generations:Models:{Alias}:Language"] = "python",
            [$"Generations:Models:{Alias}:Library"] = "pondlet",
            [$"Generations:Models:{Alias}:Sources:0"] = "documentation",
            [$"Generations:Models:{Alias}:MaxRounds"] = "2",
            [$"Generations:Models:{Alias}:Description"] = "EvoR over the pondlet docs",
        };
        return settings;
    }

    private static OpenAIClient OpenAi(GenerationHost host, string key = "unused") =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(host.Client.BaseAddress!, "v1"),
            Transport = new HttpClientPipelineTransport(host.Factory.CreateClient()),
            NetworkTimeout = TimeSpan.FromMinutes(2),
        });

    [Fact]
    public async Task OpenAiClient_AliasModel_RunsItsMethodWithRetrievalFromItsBase()
    {
        await using var host = await GenerationHost.StartAsync(AliasSettings());

        ChatCompletion completion = await OpenAi(host).GetChatClient(Alias).CompleteChatAsync([new UserChatMessage(Question)], cancellationToken: Http.Ct);

        Assert.Equal(Alias, completion.Model);
        var job = await host.Client.GetJobAsync(completion.Id["chatcmpl-".Length..]);
        Assert.Equal("evor", job.GetProperty("method").GetString());
        Assert.Equal("docs", job.GetProperty("knowledgeBase").GetString());
        Assert.Equal("python", job.GetProperty("problem").GetProperty("language").GetString());
        Assert.Equal("pondlet", job.GetProperty("problem").GetProperty("library").GetString());
        Assert.Equal(2, job.GetProperty("budgets").GetProperty("maxRounds").GetInt32());
        Assert.True(job.GetProperty("rounds")[0].GetProperty("retrieved").GetInt32() > 0, job.ToString());
        // The base's document reached the model: retrieval happened for a client that only chose a model.
        Assert.Contains(host.Prompts, p => p.Contains("Bucket.get was removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAiClient_Models_ListAndGetIncludeTheAlias()
    {
        await using var host = await GenerationHost.StartAsync(AliasSettings());
        var models = OpenAi(host).GetOpenAIModelClient();

        var list = await models.GetModelsAsync(Http.Ct);
        OpenAIModel one = await models.GetModelAsync(Alias, Http.Ct);
        OpenAIModel builtIn = await models.GetModelAsync("evor:vanilla", Http.Ct);

        var ids = list.Value.Select(m => m.Id).ToList();
        // The built-in models (evor, then evor:<method> for every catalog method, ablations included), the alias last.
        Assert.Equal("evor", ids[0]);
        Assert.Equal(Alias, ids[^1]);
        Assert.Superset(new HashSet<string> { "evor:docprompting", "evor:evor", "evor:evor+reflexion", "evor:reflexion", "evor:vanilla", "evor:evor-no-query-evolution" }, ids.ToHashSet());
        Assert.All(ids[1..^1], id => Assert.StartsWith("evor:", id, StringComparison.Ordinal));
        Assert.Equal(Alias, one.Id);
        Assert.Equal("evor", one.OwnedBy);
        Assert.Equal("evor:vanilla", builtIn.Id);
        var raw = await (await host.Client.GetAsync($"/v1/models/{Alias}", Http.Ct)).ReadJsonAsync();
        var evor = raw.GetProperty("evor");
        Assert.Equal("evor", evor.GetProperty("method").GetString());
        Assert.True(evor.GetProperty("alias").GetBoolean());
        Assert.Equal("docs", evor.GetProperty("knowledge_base").GetString());
    }

    [Fact]
    public async Task OpenAiClient_UnknownModel_404InOpenAisErrorShape()
    {
        await using var host = await GenerationHost.StartAsync();

        var thrown = await Assert.ThrowsAsync<ClientResultException>(() => OpenAi(host).GetOpenAIModelClient().GetModelAsync("gpt-4o", Http.Ct));
        using var response = await host.Client.GetAsync("/v1/models/gpt-4o", Http.Ct);

        Assert.Equal(404, thrown.Status);
        Assert.Contains("gpt-4o", thrown.Message, StringComparison.Ordinal);
        var error = (await response.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-model")).GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("gpt-4o", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/chat/completions", "post")]
    [InlineData("/v1/models", "get")]
    [InlineData("/v1/models/evor", "get")]
    public async Task OpenAiPath_WrongKey_401WithOpenAiErrorMember(string path, string method)
    {
        await using var host = await GenerationHost.StartAsync(ApiFactory.WithKeys());
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "post" ? Http.Json("""{ "model": "evor", "messages": [ { "role": "user", "content": "x" } ] }""") : null,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-key");

        using var response = await host.Client.SendAsync(request, Http.Ct);

        var error = (await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized")).GetProperty("error");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task OpenAiClient_WrongKey_ClientShowsTheReason()
    {
        await using var host = await GenerationHost.StartAsync(ApiFactory.WithKeys());

        var thrown = await Assert.ThrowsAsync<ClientResultException>(() => OpenAi(host, "not-a-key").GetOpenAIModelClient().GetModelsAsync(Http.Ct));

        Assert.Equal(401, thrown.Status);
        Assert.Contains("API key is not valid", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherPaths_WrongKey_401WithoutOpenAiErrorMember()
    {
        await using var host = await GenerationHost.StartAsync(ApiFactory.WithKeys());

        using var response = await host.Client.GetAsync("/v1/generations", "not-a-key");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.False(problem.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task OpenAiPath_OverRateLimit_429WithOpenAiErrorMember()
    {
        await using var host = await GenerationHost.StartAsync(ApiFactory.WithKeys(new()
        {
            ["RateLimiting:Enabled"] = "true",
            ["RateLimiting:PermitLimit"] = "1",
            ["RateLimiting:WindowSeconds"] = "3600",
        }));

        using var first = await host.Client.GetAsync("/v1/models", ApiFactory.ValidKey);
        using var second = await host.Client.GetAsync("/v1/models", ApiFactory.ValidKey);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var error = (await second.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited")).GetProperty("error");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("""{ "model": "evor", "messages": [ { "role": "system", "content": "x" } ] }""", "messages")]
    [InlineData("""{ "model": "evor", "evor": { "language": "cobol" }, "messages": [ { "role": "user", "content": "x" } ] }""", "evor.language")]
    [InlineData("""{ "model": "evor", "temperature": 5, "messages": [ { "role": "user", "content": "x" } ] }""", "temperature")]
    [InlineData("""{ "model": "evor", "max_completion_tokens": 1, "messages": [ { "role": "user", "content": "x" } ] }""", "max_completion_tokens")]
    [InlineData("""{ "model": "evor", "evor": { "maxRounds": 99 }, "messages": [ { "role": "user", "content": "x" } ] }""", "evor.maxRounds")]
    [InlineData("""{ "model": "evor", "evor": { "style": "poem" }, "messages": [ { "role": "user", "content": "x" } ] }""", "evor.style")]
    [InlineData("""{ "model": "evor", "evor": { "sources": ["rumours"] }, "messages": [ { "role": "user", "content": "x" } ] }""", "evor.sources[0]")]
    [InlineData("""{ "model": "evor", "n": 3, "messages": [ { "role": "user", "content": "x" } ] }""", "n")]
    public async Task Raw_BadField_ErrorParamAndMessageNameTheChatField(string body, string field)
    {
        await using var host = await GenerationHost.StartAsync();

        using var response = await host.Client.PostAsync("/v1/chat/completions", Http.Json(body), Http.Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        var error = problem.GetProperty("error");
        Assert.Equal(field, error.GetProperty("param").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evor", "Method", "evor", "built-in")]
    [InlineData("mine", "Method", "magic", "not a method")]
    [InlineData("mine", "Sources:0", "rumours", "rumours")]
    public void Start_InvalidAlias_RefusesNamingIt(string alias, string member, string value, string reason)
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { [$"Generations:Models:{alias}:{member}"] = value });

        StartFailure.Assert(factory, reason);
        Assert.Contains(factory.Logs.GetSnapshot(), r =>
            (r.Exception?.Message ?? r.Message).Contains($"Generations:Models:{alias}", StringComparison.Ordinal));
    }
}
