using System.Text.Json;
using System.Text.Json.Serialization;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Chat;
using EvoR.Pipeline.Methods;
using EvoR.Testing;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>
/// Reproducibility: a run recorded through the real OpenAI connector against the scripted server replays from its
/// cassette, with no server running, to the same trace and score (retrieval by BM25, or hybrid with the real MiniLM
/// embedder); a request the cassette lacks fails, naming it.
/// </summary>
public sealed class CassetteReplayTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static readonly JsonSerializerOptions TraceJson = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    [Theory]
    [InlineData(EvoRMethod.MethodName, false, false)]
    [InlineData(EvoRMethod.MethodName, true, false)]
    [InlineData(EvoRMethod.MethodName, false, true)]
    [InlineData(ReflexionMethod.MethodName, false, false)]
    [InlineData(ReflexionMethod.MethodName, false, true)]
    [InlineData(EvoRReflexionMethod.MethodName, false, false)]
    public async Task RunAsync_ReplayedFromRecordedCassette_GivesIdenticalTraceAndScore(string method, bool hybrid, bool noisyDraft)
    {
        using var dir = new TempDirectory();
        var cassette = Path.Combine(dir.Path, "run.jsonl");
        var (recorded, recordedEvents, requests) = await RecordAsync(method, cassette, Problems.GetValue(), hybrid, noisyDraft ? NoisyBadReply : Fixtures.BadReply);

        await using var replayHost = await MethodTestHost.StartAsync(chat: null, new()
        {
            ["Llm:Provider"] = "replay",
            ["Llm:Cassette"] = cassette,
            ["Embeddings:Enabled"] = hybrid ? "true" : "false",
        });
        var replayedEvents = new List<RoundEvent>();
        var replayed = await replayHost.Runner.RunAsync(replayHost.Method(method), Problems.GetValue(), Context(replayedEvents), Ct);

        // The recorded run was a real one: it failed once, learned, then passed the hidden tests.
        Assert.Equal(2, recorded.Result.Rounds.Count);
        Assert.True(recorded.Score.Passed);
        Assert.Equal(requests, File.ReadLines(cassette).Count());
        Assert.Equal(requests, recorded.Result.LlmCalls);
        Assert.All(recorded.Result.Rounds, r => Assert.Equal(LlmSources.Scripted, r.ProgramSource));
        if (method != ReflexionMethod.MethodName)
        {
            Assert.All(recorded.Result.Rounds, r => Assert.All(r.Retrieved, d => Assert.Equal(hybrid ? "hybrid" : "bm25", d.Retriever)));
            Assert.NotEmpty(recorded.Result.Rounds[1].Retrieved);
        }


        // The replay is labelled as such and otherwise indistinguishable, timings aside.
        Assert.All(replayed.Result.Rounds, r => Assert.Equal(LlmSources.Replay, r.ProgramSource));
        Assert.Equal(LlmSources.Replay, replayed.Result.AnswerSource);
        Assert.Equal(Trace(recorded), Trace(replayed));
        Assert.Equal(Rounds(recordedEvents), Rounds(replayedEvents));
        Assert.Equal(recorded.Score, replayed.Score);
        Assert.True(replayed.Result.TokensIn > 0 && replayed.Result.TokensOut > 0);
    }

    [Fact]
    public async Task RunAsync_ReplayAskedARequestTheCassetteLacks_FailsNamingTheRequest()
    {
        using var dir = new TempDirectory();
        var cassette = Path.Combine(dir.Path, "run.jsonl");
        await RecordAsync(EvoRMethod.MethodName, cassette, Problems.GetValue(), hybrid: false, Fixtures.BadReply);

        await using var replayHost = await MethodTestHost.StartAsync(chat: null, new()
        {
            ["Llm:Provider"] = "replay",
            ["Llm:Cassette"] = cassette,
        });
        var changed = Problems.GetValue() with { Description = "Write get_value(bucket, key) returning the value under key, or None." };
        var events = new List<RoundEvent>();

        var miss = await Assert.ThrowsAsync<CassetteMissException>(() =>
            replayHost.Runner.RunAsync(replayHost.Method(EvoRMethod.MethodName), changed, Context(events), Ct));

        Assert.Equal(cassette, miss.Cassette);
        Assert.Matches("^[0-9a-f]{64}$", miss.RequestHash);
        Assert.Equal("test-model", miss.Model);
        Assert.Contains("or None.", miss.LastUserMessagePreview, StringComparison.Ordinal);
        Assert.Contains(miss.RequestHash, miss.Message, StringComparison.Ordinal);
        Assert.Contains("Llm:RecordTo", miss.Message, StringComparison.Ordinal);
        Assert.Empty(events); // the first call missed: nothing was invented to carry on with
    }

    /// <summary>A failing draft whose output differs from process to process unless the pipeline and sandbox pin it:
    /// an object's address (ASLR) and a set of strings (Python's per-process string hashing). The output reaches the
    /// query rewrite and reflection prompts, so it must come out the same when replayed.</summary>
    private const string NoisyBadReply = "```python\ndef get_value(bucket, key):\n    print(bucket, {'k' + key, 'x', 'y', 'zz', 'w', 'vv'})\n    return bucket.get(key)\n```";

    private static MethodContext Context(List<RoundEvent> events) => new()
    {
        JobId = "replay-job",
        KnowledgeBase = "docs",
        OnRound = (e, _) =>
        {
            events.Add(e);
            return ValueTask.CompletedTask;
        },
    };

    /// <summary>Runs the method through the real connector against the scripted server, recording to the cassette;
    /// the server is gone when this returns.</summary>
    private static async Task<(ScoredResult Result, List<RoundEvent> Events, int Requests)> RecordAsync(string method, string cassette,
        EvoR.Pipeline.Generation.GenerationProblem problem, bool hybrid, string firstProgram)
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(Ct);
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(firstProgram);
        llm.Programs.Enqueue(Fixtures.GoodReply);

        // Usage depends on the request and reply, so a replay that served the wrong exchange would show in the tokens.
        server.Fallback = request =>
        {
            var prompt = request.Messages[^1].Content;
            var reply = llm.Respond(prompt);
            return ScriptedStep.Reply(reply, promptTokens: prompt.Length / 4, completionTokens: 1 + (reply.Length / 4));
        };
        await using var host = await MethodTestHost.StartAsync(chat: null, new()
        {
            ["Llm:Provider"] = "openai",
            ["Llm:Endpoint"] = server.BaseUrl.ToString(),
            ["Llm:Model"] = "test-model",
            ["Llm:RecordTo"] = cassette,
            ["Embeddings:Enabled"] = hybrid ? "true" : "false",
        });
        var events = new List<RoundEvent>();
        var result = await host.Runner.RunAsync(host.Method(method), problem, Context(events), Ct);
        return (result, events, server.Requests.Count);
    }

    /// <summary>The result as JSON without what may differ between two runs of the same exchanges: wall-clock timings
    /// and the label of where the replies came from (asserted on its own).</summary>
    private static string Trace(ScoredResult scored) => JsonSerializer.Serialize(new
    {
        Result = scored.Result with { Rounds = [.. scored.Result.Rounds.Select(Normalize)], AnswerSource = "", ElapsedMs = 0 },
        scored.Score,
    }, TraceJson);

    private static string Rounds(List<RoundEvent> events) => JsonSerializer.Serialize(events.Select(Normalize), TraceJson);

    private static RoundEvent Normalize(RoundEvent e) => e with
    {
        ProgramSource = "",
        Timings = new RoundTimings(0, 0, 0, 0, 0),
        Verdicts = [.. e.Verdicts.Select(v => v with { DurationMs = 0 })],
    };
}
