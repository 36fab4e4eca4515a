using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Methods;

/// <summary>A draft of one round: the prompt that asked for it, the reply, the code found in it and the assembled program.</summary>
internal sealed record Draft(string Prompt, LlmReply Reply, ExtractedCode Code, string Program);

/// <summary>
/// The steps of one method run on one problem, each in its own telemetry span. A step whose reply is unusable does
/// not fail the run: it falls back (no inputs, the empty program, the kept query…) and records a
/// <see cref="DegradedStep"/>, so that the result says which answers were made without it.
/// </summary>
internal sealed class LoopSteps(string method, LoopFeatures features, MethodServices s, GenerationProblem problem, MethodContext context)
{
    /// <summary>Step 1: test inputs (EvoR) or self-tests (Reflexion), written once for every round.</summary>
    public async Task<DraftTests> WriteTestsAsync(List<DegradedStep> degraded, CancellationToken cancellationToken)
    {
        var max = s.Options.MaxTestInputs;
        IReadOnlyList<string> inputs = [];
        TestSpec? selfTests = null;
        if (features.GeneratedInputs && max > 0)
        {
            using var span = s.Telemetry.StartStep("test-inputs");
            var reply = await s.Chat.AskAsync("test-inputs", LoopPrompts.TestInputs(problem, max), cancellationToken);
            var parsed = TestInputParser.ParseInputs(reply.Text, max);
            if (parsed is null)
            {
                Degrade(degraded, null, "test-inputs", "the reply held no JSON array of inputs; drafts run without generated inputs");
            }

            inputs = parsed ?? [];
        }

        if (features.SelfTests && max > 0)
        {
            using var span = s.Telemetry.StartStep("self-tests");
            var reply = await s.Chat.AskAsync("self-tests", LoopPrompts.SelfTests(problem, max), cancellationToken);
            selfTests = TestInputParser.ParseSelfTests(reply.Text, problem.Style, problem.Language, max);
            if (selfTests is null)
            {
                Degrade(degraded, null, "self-tests", "the reply held no usable tests; drafts run without self-tests");
            }
        }

        return new DraftTests(inputs, selfTests);
    }

    /// <summary>Step 2a: the chunks of <paramref name="knowledgeBase"/> for the current query.</summary>
    public async Task<Retrieval> RetrieveAsync(string knowledgeBase, string query, IReadOnlyList<SourceKind>? sources, CancellationToken cancellationToken)
    {
        using var span = s.Telemetry.StartStep("retrieve");
        var retrieval = await s.Retriever.SearchAsync(knowledgeBase, query, sources, context, cancellationToken);
        span?.SetTag("evor.knowledge_base", knowledgeBase);
        span?.SetTag(PipelineTelemetry.SearchModeTag, retrieval.Retriever);
        span?.SetTag("evor.retrieved", retrieval.Hits.Count);
        return retrieval;
    }

    /// <summary>Step 2b: a draft from the retrieved chunks and (Reflexion) the previous program with the reflections.</summary>
    public async Task<Draft> GenerateAsync(int round, Retrieval retrieval, string? previousProgram, IReadOnlyList<string> reflections,
        List<DegradedStep> degraded, CancellationToken cancellationToken)
    {
        using var span = s.Telemetry.StartStep("generate");
        var prompt = LoopPrompts.Generate(problem, retrieval, previousProgram, reflections);
        var reply = await s.Chat.AskAsync("generate", prompt, cancellationToken);
        var code = CodeExtractor.Extract(reply.Text, problem.Language);
        if (code.Kind == ExtractionKind.Empty)
        {
            Degrade(degraded, round, "generate", "the reply held no code; the empty program is run and fails");
        }

        var program = problem.Assemble(code.Code);
        span?.SetTag("evor.extraction", code.Kind.ToString());
        span?.SetTag("evor.source", reply.Source);
        return new Draft(prompt, reply, code, program);
    }

    /// <summary>Step 2c: the program run on the generated inputs, the self-tests and the visible tests.</summary>
    public async Task<ExecutionReport> ExecuteAsync(DraftExecutor drafts, string program, DraftTests tests, CancellationToken cancellationToken)
    {
        using var span = s.Telemetry.StartStep("execute");
        var report = await drafts.RunAsync(problem, program, tests.Inputs, tests.SelfTests, cancellationToken);
        span?.SetTag(PipelineTelemetry.VerdictTag, report.Verdict.ToString());
        span?.SetTag("evor.runs", report.Runs.Count);
        return report;
    }

    /// <summary>
    /// Step 3: what the round taught, written to the run's overlay; through the round barrier when several problems
    /// evolve one overlay together (<see cref="IRoundBarrier"/>), so that a round's retrieval sees exactly what earlier
    /// rounds wrote, whatever the timing.
    /// </summary>
    public async Task<EvolvedDocument> EvolveKnowledgeAsync(string overlay, int round, string program, ExecutionReport report,
        List<DegradedStep> degraded, CancellationToken cancellationToken)
    {
        using var span = s.Telemetry.StartStep("evolve");
        var evolved = context.RoundBarrier is { } barrier
            ? await barrier.WriteAtBarrierAsync(problem.Id, round,
                ct => s.KnowledgeEvolver.EvolveAsync(overlay, problem, round, context.JobId, program, report, ct), cancellationToken)
            : await s.KnowledgeEvolver.EvolveAsync(overlay, problem, round, context.JobId, program, report, cancellationToken);
        span?.SetTag("evor.evolved.source", evolved.Source.ToWireName());
        span?.SetTag("evor.evolved.written", evolved.Written);
        if (!evolved.Written && evolved.Note is { } note && note.StartsWith("refused", StringComparison.Ordinal))
        {
            Degrade(degraded, round, "evolve-knowledge", note);
        }

        return evolved;
    }

    /// <summary>Reflexion: why the draft failed, in the model's words; the feedback itself when the reply is empty.</summary>
    public async Task<string> ReflectAsync(int round, string program, ExecutionReport report, List<DegradedStep> degraded,
        CancellationToken cancellationToken)
    {
        using var span = s.Telemetry.StartStep("reflect");
        var reply = await s.Chat.AskAsync("reflect", LoopPrompts.Reflect(problem, program, report.Describe(s.Options.MaxFeedbackChars)), cancellationToken);
        var reflection = reply.Text.Trim();
        if (reflection.Length == 0)
        {
            Degrade(degraded, round, "reflect", "the reply was empty; the next attempt gets the feedback only");
            reflection = report.Describe(s.Options.MaxFeedbackChars / 4);
        }

        return reflection;
    }

    /// <summary>Step 4: the query for the next round's retrieval, rewritten from the draft and its feedback.</summary>
    public async Task<string> RewriteQueryAsync(int round, string query, string program, DraftTests tests, ExecutionReport report,
        List<DegradedStep> degraded, CancellationToken cancellationToken)
    {
        using var span = s.Telemetry.StartStep("rewrite");
        var rewrite = await s.QueryEvolver.RewriteAsync(problem, query, program, tests.ShownToRewrite, report, cancellationToken);
        if (rewrite.Degraded)
        {
            Degrade(degraded, round, "rewrite-query", "the reply was empty; the query is kept");
        }

        return rewrite.Query;
    }

    private void Degrade(List<DegradedStep> list, int? round, string step, string reason)
    {
        list.Add(new DegradedStep(round, step, reason));
        MethodLog.StepDegraded(s.Logger, method, problem.Id, step, reason);
    }
}
