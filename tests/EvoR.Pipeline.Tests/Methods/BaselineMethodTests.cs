using EvoR.Llm.Chat;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>Every method through the same runner and scorer; hidden tests never reach a prompt.</summary>
public sealed class BaselineMethodTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(VanillaMethod.MethodName, 1)]
    [InlineData(DocPromptingMethod.MethodName, 1)]
    [InlineData(ReflexionMethod.MethodName, 2)]
    [InlineData(EvoRMethod.MethodName, 2)]
    [InlineData(EvoRReflexionMethod.MethodName, 2)]
    public async Task RunAsync_EachMethod_RunsEndToEndIsScoredAndNeverSeesHiddenTests(string method, int rounds)
    {
        var llm = new ScriptedLlm();
        if (rounds > 1)
        {
            llm.Programs.Enqueue(Fixtures.BadReply);
        }

        var chat = llm.AsService();
        await using var host = await MethodTestHost.StartAsync(chat);

        var scores = await host.Runner.EvaluateAsync([host.Method(method)], [Problems.GetValue()],
            (_, _) => new MethodContext { JobId = "bench", KnowledgeBase = "docs" }, Ct);

        var score = Assert.Single(scores);
        var scored = Assert.Single(score.Results);
        Assert.Equal((method, 1, 1, 1.0), (score.Method, score.Scored, score.Passed, score.PassAt1));
        Assert.Equal(rounds, scored.Result.Rounds.Count);
        Assert.Equal(LlmSources.Scripted, scored.Result.AnswerSource);
        Assert.NotEmpty(chat.Prompts);
        Assert.All(chat.Prompts.SelectMany(p => p), m => Assert.DoesNotContain(Fixtures.HiddenMarker, m.Content ?? "", StringComparison.Ordinal));
        Assert.All(chat.Prompts.SelectMany(p => p), m => Assert.DoesNotContain("get_value(Bucket(), 'b')", m.Content ?? "", StringComparison.Ordinal));
        var retrieved = scored.Result.Rounds.SelectMany(r => r.Retrieved).ToList();
        switch (method)
        {
            case VanillaMethod.MethodName or ReflexionMethod.MethodName:
                Assert.Empty(retrieved);
                break;
            case DocPromptingMethod.MethodName:
                Assert.NotEmpty(retrieved);
                Assert.All(retrieved, d => Assert.Equal(SourceKind.Documentation, d.Source));
                Assert.Empty(scored.Result.Rounds[0].Verdicts); // single shot: only the scorer runs it
                break;
            default:
                Assert.NotEmpty(retrieved);
                break;
        }

        if (method is ReflexionMethod.MethodName or EvoRReflexionMethod.MethodName)
        {
            Assert.Equal("Bucket has no get method; call fetch.", scored.Result.Rounds[0].Reflection);
            Assert.Contains("self-tests", scored.Result.Rounds[0].Verdicts.Select(v => v.Label));
            Assert.Contains(chat.Prompts, p => p[^1].Content!.Contains("Bucket has no get method; call fetch.", StringComparison.Ordinal)
                && p[^1].Content!.Contains("Answer with the code", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RunAsync_EvoRThroughOpenAiConnector_LabelsScriptedAndCountsProviderTokens()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(Ct);
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(Fixtures.BadReply);
        server.Fallback = request => ScriptedStep.Reply(llm.Respond(request.Messages[^1].Content), promptTokens: 100, completionTokens: 20);
        await using var host = await MethodTestHost.StartAsync(chat: null, new()
        {
            ["Llm:Provider"] = "openai",
            ["Llm:Endpoint"] = server.BaseUrl.ToString(),
            ["Llm:Model"] = "test-model",
        });

        var scored = await host.Runner.RunAsync(host.Method(EvoRMethod.MethodName), Problems.GetValue(), new MethodContext { KnowledgeBase = "docs" }, Ct);

        // test inputs, generate, rewrite, generate
        Assert.Equal(4, server.Requests.Count);
        Assert.Equal((4, 400L, 80L), (scored.Result.LlmCalls, scored.Result.TokensIn, scored.Result.TokensOut));
        Assert.Equal((200L, 40L), (scored.Result.Rounds[0].TokensIn, scored.Result.Rounds[0].TokensOut));
        Assert.Equal(LlmSources.Scripted, scored.Result.AnswerSource);
        Assert.True(scored.Score.Passed);
        Assert.All(server.Requests.SelectMany(r => r.Messages), m => Assert.DoesNotContain(Fixtures.HiddenMarker, m.Content, StringComparison.Ordinal));
    }

    [Fact]
    public void AddEvoRPipeline_RegistersEveryMethodOnce()
    {
        var services = new ServiceCollection()
            .AddEvoRPipeline(new ConfigurationBuilder().Build())
            .AddEvoRPipeline(new ConfigurationBuilder().Build());

        Assert.Equal(MethodCatalog.All.Count, services.Count(d => d.ServiceType == typeof(IGenerationMethod)));
    }
}
