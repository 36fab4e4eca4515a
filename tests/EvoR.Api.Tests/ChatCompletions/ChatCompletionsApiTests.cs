using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using EvoR.Api.Tests.Generations;
using EvoR.Api.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace EvoR.Api.Tests.ChatCompletions;

/// <summary>/v1/chat/completions as the official OpenAI client sees it, answered by generation jobs.</summary>
public sealed class ChatCompletionsApiTests
{
    private const string Question = "Write get_value(bucket, key) that returns the value stored under key in a pondlet Bucket.";
    private const string Program = "def get_value(bucket, key):\n    return bucket.fetch(key)";

    private static ChatClient Client(GenerationHost host, string model) =>
        new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions
        {
            Endpoint = new Uri(host.Client.BaseAddress!, "v1"),
            Transport = new HttpClientPipelineTransport(host.Factory.CreateClient()),
            NetworkTimeout = TimeSpan.FromMinutes(2),
        });

    [Fact]
    public async Task OpenAiClient_NonStreaming_ReplyIsTheFinalProgramOfAJob()
    {
        await using var host = await GenerationHost.StartAsync();

        ChatCompletion completion = await Client(host, "evor:vanilla").CompleteChatAsync([new UserChatMessage(Question)], cancellationToken: Http.Ct);

        Assert.Equal(Program, completion.Content.Single().Text.TrimEnd());
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("evor:vanilla", completion.Model);
        Assert.Equal(ScriptedCoder.PromptTokens, completion.Usage.InputTokenCount);
        Assert.Equal(ScriptedCoder.CompletionTokens, completion.Usage.OutputTokenCount);
        Assert.StartsWith("chatcmpl-gen_", completion.Id, StringComparison.Ordinal);
        var job = await host.Client.GetJobAsync(completion.Id["chatcmpl-".Length..]);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("vanilla", job.GetProperty("method").GetString());
        Assert.Equal("python", job.GetProperty("problem").GetProperty("language").GetString());
        Assert.Contains(host.Prompts, p => p.Contains(Question, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAiClient_Streaming_ChunksJoinToTheProgramThenUsage()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        string? model = null;
        await foreach (var update in Client(host, "evor").CompleteChatStreamingAsync(
            [new SystemChatMessage("You write Python."), new UserChatMessage(Question)], cancellationToken: Http.Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
            model = update.Model ?? model;
        }

        // EvoR without tests: its own generated inputs decide; the bad program fails on them, the next one runs clean.
        Assert.Equal(Program, text.ToString().TrimEnd());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal("evor:evor", model);
        Assert.NotNull(usage);
        var calls = host.Server.Requests.Count;
        Assert.True(calls >= 3, $"{calls} calls");
        Assert.Equal(ScriptedCoder.PromptTokens * calls, usage.InputTokenCount);
        Assert.Equal(ScriptedCoder.CompletionTokens * calls, usage.OutputTokenCount);
    }

    [Fact]
    public async Task OpenAiClient_NoModelConfigured_503NamingTheSetting()
    {
        await using var host = await GenerationHost.StartAsync(withModel: false);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(host, "evor").CompleteChatAsync([new UserChatMessage(Question)], cancellationToken: Http.Ct));

        Assert.Equal(503, error.Status);
        Assert.Contains("Llm:Model", error.Message, StringComparison.Ordinal);
        Assert.Empty(host.Server.Requests);
    }

    [Fact]
    public async Task Raw_EvoRExtension_CarriesCodeContextTestsAndKnowledgeBase()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);
        var body = $$"""
            { "model": "evor:evor",
              "messages": [ { "role": "user", "content": [ { "type": "text", "text": "{{Question}}" } ] } ],
              "evor": { "language": "py", "codeContext": {{System.Text.Json.JsonSerializer.Serialize(Fixtures.CodeContext)}},
                        "visibleTests": { "kind": "script", "code": "assert get_value(Bucket(), 'a') == 1" },
                        "knowledgeBase": "docs", "maxRounds": 3 } }
            """;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Http.Json(body), Http.Ct);
        var completion = await response.ReadJsonAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, completion.ToString());
        var content = completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Contains("class Bucket:", content, StringComparison.Ordinal);
        Assert.Contains("return bucket.fetch(key)", content, StringComparison.Ordinal);
        var evor = completion.GetProperty("evor");
        Assert.Equal("scripted", evor.GetProperty("source").GetString());
        Assert.Equal(2, evor.GetProperty("rounds").GetInt32());
        var id = evor.GetProperty("generation_id").GetString()!;
        Assert.Equal(id, response.Headers.GetValues("X-EvoR-Generation-Id").Single());
        var job = await host.Client.GetJobAsync(id);
        Assert.Equal("docs", job.GetProperty("knowledgeBase").GetString());
        Assert.True(job.GetProperty("rounds")[0].GetProperty("retrieved").GetInt32() > 0, job.ToString());
    }

    [Theory]
    [InlineData("""{ "model": "gpt-4o", "messages": [ { "role": "user", "content": "x" } ] }""", HttpStatusCode.NotFound, "unknown-model", "model_not_found")]
    [InlineData("""{ "model": "evor:magic", "messages": [ { "role": "user", "content": "x" } ] }""", HttpStatusCode.NotFound, "unknown-model", "model_not_found")]
    [InlineData("""{ "model": "evor", "messages": [ { "role": "system", "content": "x" } ] }""", HttpStatusCode.BadRequest, "validation", "validation")]
    [InlineData("""{ "model": "evor", "n": 2, "messages": [ { "role": "user", "content": "x" } ] }""", HttpStatusCode.BadRequest, "invalid-request", "invalid-request")]
    [InlineData("""{ "model": "evor", "evor": { "language": "cobol" }, "messages": [ { "role": "user", "content": "x" } ] }""", HttpStatusCode.BadRequest, "unknown-language", "unknown-language")]
    [InlineData("""{ "model": "evor", "temperature": 5, "messages": [ { "role": "user", "content": "x" } ] }""", HttpStatusCode.BadRequest, "limit-out-of-range", "limit-out-of-range")]
    public async Task Raw_BadRequest_ProblemWithOpenAiErrorMember(string body, HttpStatusCode status, string slug, string code)
    {
        await using var host = await GenerationHost.StartAsync();

        using var response = await host.Client.PostAsync("/v1/chat/completions", Http.Json(body), Http.Ct);

        var problem = await response.AssertProblemAsync(status, slug);
        var error = problem.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Empty(host.Server.Requests);
    }

    [Fact]
    public async Task Raw_JobFails_502WithTheJobsError()
    {
        await using var host = await GenerationHost.StartAsync();

        using var response = await host.Client.PostAsync("/v1/chat/completions",
            Http.Json("""{ "model": "evor", "evor": { "tokenBudget": 50 }, "messages": [ { "role": "user", "content": "Add two numbers." } ] }"""), Http.Ct);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadGateway, "generation-failed");
        Assert.Equal("urn:evor:problem:token-budget-exceeded", problem.GetProperty("cause").GetString());
        Assert.Equal("failed", problem.GetProperty("jobStatus").GetString());
        Assert.Equal("server_error", problem.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task OpenAiClient_Models_ListsEvoRAndEachMethod()
    {
        await using var host = await GenerationHost.StartAsync();
        var models = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions
        {
            Endpoint = new Uri(host.Client.BaseAddress!, "v1"),
            Transport = new HttpClientPipelineTransport(host.Factory.CreateClient()),
        }).GetOpenAIModelClient();

        var list = await models.GetModelsAsync(Http.Ct);

        var ids = list.Value.Select(m => m.Id).ToList();
        Assert.Equal(["evor", .. EvoR.Pipeline.Methods.MethodCatalog.All.Select(m => $"evor:{m.Name}").Order(StringComparer.Ordinal)], ids);
        Assert.Subset(ids.ToHashSet(), new HashSet<string> { "evor:docprompting", "evor:evor", "evor:evor+reflexion", "evor:reflexion",
            "evor:vanilla", "evor:evor-no-query-evolution", "evor:evor-no-knowledge-evolution", "evor:evor-no-evolution", "evor:evor-sources-docs+exec" });
    }
}
