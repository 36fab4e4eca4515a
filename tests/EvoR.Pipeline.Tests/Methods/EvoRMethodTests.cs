using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>The EvoR loop end to end: scripted LLM under the real LLM layer, real sandbox, real knowledge store.</summary>
public sealed class EvoRMethodTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static string Prompt(Microsoft.SemanticKernel.ChatCompletion.ChatHistory h) => string.Join("\n", h.Select(m => m.Content));

    [Fact]
    public async Task RunAsync_CleanFirstDraft_RetrievedDocsReachPromptAndOverlayGainsSnippet()
    {
        var llm = new ScriptedLlm();
        var chat = llm.AsService();
        await using var host = await MethodTestHost.StartAsync(chat);
        var events = new List<RoundEvent>();
        var context = new MethodContext { JobId = "job-1", KnowledgeBase = "docs", OnRound = (e, _) => { events.Add(e); return ValueTask.CompletedTask; } };

        var scored = await host.Runner.RunAsync(host.Method(EvoRMethod.MethodName), Problems.GetValue(), context, Ct);
        var result = scored.Result;

        var round = Assert.Single(result.Rounds);
        Assert.Equal((StopReason.Clean, StopReason.Clean, 0), (result.Stop, round.Stop!.Value, result.AnswerRound));
        Assert.True(round.RanClean);
        Assert.Equal(["generated inputs", "visible tests"], round.Verdicts.Select(v => v.Label));
        Assert.Contains(round.Retrieved, d => d.DocumentId == "bucket-fetch" && d.Retriever == "bm25" && d.Score > 0);
        var generatePrompt = chat.Prompts.Select(Prompt).Single(p => p.Contains("Answer with the code in one fenced code block", StringComparison.Ordinal));
        Assert.Contains("Bucket.get was removed in version 3", generatePrompt, StringComparison.Ordinal);
        // The round carries the generation prompt exactly as sent (the bench's gold-doc recall reads it), never on the wire.
        Assert.Equal(generatePrompt, $"{PromptSet.System}\n{round.GenerationPrompt}");
        Assert.DoesNotContain("generationPrompt", System.Text.Json.JsonSerializer.Serialize(round, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("def get_value(bucket, key):\n    return bucket.fetch(key)", result.Answer, StringComparison.Ordinal);
        Assert.Equal("scripted", result.AnswerSource);
        Assert.Equal("scripted", round.ProgramSource);
        Assert.Equal(PromptSet.Hash, result.PromptSetHash);
        Assert.Matches("^[0-9a-f]{64}$", result.PromptSetHash);
        Assert.True(result.TokensIn > 0 && result.TokensOut > 0 && round.TokensIn > 0 && result.LlmCalls == 2);
        Assert.Same(round, Assert.Single(events));
        Assert.True(scored.Score.Passed);

        var snippet = await host.Store.GetDocumentAsync(result.Overlay!, round.Evolved!.DocumentId, Ct);
        Assert.NotNull(snippet);
        Assert.Equal(SourceKind.CodeSnippet, snippet.Source);
        Assert.Equal(("pondlet/get-value", 0, "job-1"), (snippet.Provenance!.ProblemId, snippet.Provenance.Round!.Value, snippet.Provenance.JobId));
        Assert.Null(await host.Store.GetDocumentAsync("docs", round.Evolved.DocumentId, Ct)); // the shared base is untouched
    }

    [Fact]
    public async Task RunAsync_FailingDraft_FeedbackReachesRewriteAndOverlayThenCleanStops()
    {
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(Fixtures.BadReply);
        llm.Programs.Enqueue(Fixtures.GoodReply);
        llm.Rewrites.Enqueue("Query: \"pondlet Bucket fetch AttributeError get\"");
        var chat = llm.AsService();
        await using var host = await MethodTestHost.StartAsync(chat);
        var run = host.Runner.Start(host.Method(EvoRMethod.MethodName), Problems.GetValue(), new MethodContext { JobId = "job-2", KnowledgeBase = "docs" }, Ct);

        var streamed = new List<RoundEvent>();
        await foreach (var e in run.Rounds)
        {
            streamed.Add(e);
        }

        var result = (await run.Result).Result;

        Assert.Equal(2, result.Rounds.Count);
        Assert.Equal(streamed, result.Rounds);
        var (first, second) = (result.Rounds[0], result.Rounds[1]);
        Assert.False(first.RanClean);
        Assert.Equal(Verdict.RuntimeError, first.Verdicts[0].Verdict);
        var rewritePrompt = chat.Prompts.Select(Prompt).Single(p => p.Contains("Answer with the query only", StringComparison.Ordinal));
        Assert.Contains("AttributeError", rewritePrompt, StringComparison.Ordinal);
        Assert.Contains("print(get_value(Bucket(), 'a'))", rewritePrompt, StringComparison.Ordinal);
        Assert.Contains("bucket.get(key)", rewritePrompt, StringComparison.Ordinal);
        Assert.Equal("pondlet Bucket fetch AttributeError get", first.NextQuery);
        Assert.Equal(first.NextQuery, second.Query);

        var feedback = await host.Store.GetDocumentAsync(result.Overlay!, first.Evolved!.DocumentId, Ct);
        Assert.Equal(SourceKind.ExecutionFeedback, feedback!.Source);
        Assert.Contains("AttributeError", feedback.Text, StringComparison.Ordinal);
        Assert.Equal(("pondlet/get-value", 0), (feedback.Provenance!.ProblemId, feedback.Provenance.Round!.Value));
        Assert.Contains(second.Retrieved, d => d.DocumentId == first.Evolved.DocumentId && d.Source == SourceKind.ExecutionFeedback);
        Assert.Equal((StopReason.Clean, 1), (result.Stop, result.AnswerRound));
        Assert.Equal(SourceKind.CodeSnippet, second.Evolved!.Source);
    }

    [Fact]
    public async Task RunAsync_SameErrorTwice_StopsOnRepeatedError()
    {
        var llm = new ScriptedLlm { DefaultProgram = Fixtures.BadReply };
        llm.Programs.Enqueue(Fixtures.BadReply);
        llm.Programs.Enqueue("```python\n\n\n# moved down two lines\ndef get_value(bucket, key):\n    return bucket.get(key)\n```");
        await using var host = await MethodTestHost.StartAsync(llm.AsService());

        var result = await host.Method(EvoRMethod.MethodName).RunAsync(Problems.GetValue(hidden: false), new MethodContext { KnowledgeBase = "docs", MaxRounds = 5 }, Ct);

        Assert.Equal(StopReason.RepeatedError, result.Stop);
        Assert.Equal(2, result.Rounds.Count);
        Assert.Null(result.Rounds[1].NextQuery); // no rewrite after the last round
        Assert.Equal(1, result.AnswerRound); // nothing ran clean: the last program
    }

    [Fact]
    public async Task RunAsync_DifferentErrorsEveryRound_StopsAtBudget()
    {
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(Fixtures.BadReply);
        llm.Programs.Enqueue("```python\ndef get_value(bucket, key):\n    return bucket.read(key)\n```");
        await using var host = await MethodTestHost.StartAsync(llm.AsService(), new() { ["EvoR:MaxRounds"] = "2" });

        var result = await host.Method(EvoRMethod.MethodName).RunAsync(Problems.GetValue(hidden: false), new MethodContext { KnowledgeBase = "docs" }, Ct);

        Assert.Equal(StopReason.Budget, result.Stop);
        Assert.Equal(2, result.Rounds.Count);
        Assert.Contains("bucket.read(key)", result.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MalformedInputsEmptyAndUnfencedReplies_DegradesStepsWithoutCrashing()
    {
        var llm = new ScriptedLlm();
        llm.Inputs.Enqueue("Sure! Here are some inputs: get_value(b, 'a') and [oops");
        llm.Programs.Enqueue("   ");
        llm.Programs.Enqueue("def get_value(bucket, key):\n    return bucket.fetch(key)\n");
        llm.Rewrites.Enqueue("");
        await using var host = await MethodTestHost.StartAsync(llm.AsService());

        var result = await host.Method(EvoRMethod.MethodName).RunAsync(Problems.GetValue(hidden: false), new MethodContext { KnowledgeBase = "docs" }, Ct);

        Assert.Equal("test-inputs", Assert.Single(result.Degraded).Step);
        Assert.Empty(result.TestInputs);
        Assert.Equal(ExtractionKind.Empty, result.Rounds[0].Extraction);
        Assert.Equal(["generate", "rewrite-query"], result.Rounds[0].Degraded.Select(d => d.Step));
        Assert.Equal(result.Rounds[0].Query, result.Rounds[1].Query); // the empty rewrite kept the query
        Assert.Equal(["visible tests"], result.Rounds[0].Verdicts.Select(v => v.Label));
        Assert.Equal((ExtractionKind.WholeReply, StopReason.Clean), (result.Rounds[1].Extraction, result.Stop));
    }

    [Fact]
    public async Task RunAsync_CancelledAfterFirstRound_ThrowsOperationCanceled()
    {
        var llm = new ScriptedLlm { DefaultProgram = Fixtures.BadReply };
        await using var host = await MethodTestHost.StartAsync(llm.AsService());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var context = new MethodContext { KnowledgeBase = "docs", MaxRounds = 5, OnRound = (_, _) => { cts.Cancel(); return ValueTask.CompletedTask; } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Method(EvoRMethod.MethodName).RunAsync(Problems.GetValue(hidden: false), context, cts.Token));
    }
}
