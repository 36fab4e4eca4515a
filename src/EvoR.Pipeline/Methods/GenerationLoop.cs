using System.Globalization;
using System.Text;
using EvoR.Llm.Usage;
using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Methods;

/// <summary>Which parts of the loop a method uses; a method is a name and these (<see cref="MethodCatalog"/>).</summary>
public sealed record LoopFeatures
{
    /// <summary>More than one round, each executing its draft; false: one generation, not executed (scored only).</summary>
    public bool Iterate { get; init; }

    public bool Retrieve { get; init; }

    /// <summary>Sources every retrieval is limited to, overriding the context's (DocPrompting: documentation).</summary>
    public IReadOnlyList<SourceKind>? ForcedSources { get; init; }

    public bool EvolveKnowledge { get; init; }
    public bool EvolveQuery { get; init; }

    /// <summary>EvoR step 1: the LLM writes test inputs that drafts run on.</summary>
    public bool GeneratedInputs { get; init; }

    /// <summary>Reflexion: the LLM writes its own unit tests that drafts must pass.</summary>
    public bool SelfTests { get; init; }

    /// <summary>Reflexion: a verbal reflection after each failure, shown to the next generation.</summary>
    public bool Reflect { get; init; }

    public bool StopOnRepeatedError { get; init; }

    /// <summary>Which option bounds the rounds: <c>EvoR:MaxRounds</c> or <c>EvoR:ReflexionMaxAttempts</c>.</summary>
    public bool ReflexionBudget { get; init; }
}

/// <summary>Everything the methods share; one instance per container.</summary>
public sealed class MethodServices(
    GenerationChat chat,
    DraftExecutor executor,
    KnowledgeRetriever retriever,
    QueryEvolver queryEvolver,
    KnowledgeEvolver knowledgeEvolver,
    ILlmUsageTracker usage,
    TimeProvider time,
    IOptions<EvoROptions> options,
    ILogger<MethodServices> logger,
    PipelineTelemetry? telemetry = null)
{
    private readonly PipelineTelemetry _telemetry = telemetry ?? new PipelineTelemetry();


    internal GenerationChat Chat => chat;
    internal DraftExecutor Executor => executor;
    internal KnowledgeRetriever Retriever => retriever;
    internal QueryEvolver QueryEvolver => queryEvolver;
    internal KnowledgeEvolver KnowledgeEvolver => knowledgeEvolver;
    internal ILlmUsageTracker Usage => usage;
    internal TimeProvider Time => time;
    internal EvoROptions Options => options.Value;
    internal ILogger Logger => logger;
    internal PipelineTelemetry Telemetry => _telemetry;
}

/// <summary>
/// The one loop behind every method (EvoR v2, Algorithm 1, with baselines as subsets of its features):
/// q0 = the question; test inputs (or self-tests) written once; then per round retrieve → generate → execute →
/// evolve knowledge → (reflect) → evolve the query, until a clean run, a repeated error or the budget.
/// </summary>
internal sealed class GenerationLoop(string method, LoopFeatures features, MethodServices s)
{
    public async Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(context);
        if (problem.HiddenTests is not null)
        {
            throw new ArgumentException("A method must never see hidden tests; run it through MethodRunner or strip them.", nameof(problem));
        }

        using var activity = s.Telemetry.StartRun(method, problem, context.JobId);
        MethodResult result;
        // One method run on one problem of one job is one trust scope: its drafts' runs may share sandboxes that the
        // backend verified clean between them, never with another run or job.
        await using var sandbox = s.Executor.OpenScope();
        try
        {
            result = await RunRoundsAsync(problem, context, s.Executor.InScope(sandbox), cancellationToken);
        }
        catch (Exception ex)
        {
            s.Telemetry.RecordRun(method, PipelineTelemetry.Failed(activity, ex, cancellationToken));
            throw;
        }
        finally
        {
            // However the run ended, the problems it shares a schedule with no longer wait for its rounds.
            context.RoundBarrier?.Leave(problem.Id);
        }

        PipelineTelemetry.RunFinished(activity, result);
        s.Telemetry.RecordRun(method, PipelineTelemetry.OutcomeOf(result.Stop));
        return result;
    }

    private async Task<MethodResult> RunRoundsAsync(GenerationProblem problem, MethodContext context, DraftExecutor drafts, CancellationToken cancellationToken)
    {
        var started = s.Time.GetTimestamp();
        using var scope = s.Usage.BeginScope($"{method}:{problem.Id}");
        MethodLog.Started(s.Logger, method, problem.Id);
        var o = s.Options;
        var degraded = new List<DegradedStep>();

        // Step 1: test inputs (EvoR) or self-tests (Reflexion), once.
        IReadOnlyList<string> inputs = [];
        TestSpec? selfTests = null;
        if (features.GeneratedInputs && o.MaxTestInputs > 0)
        {
            var template = problem.Style == ProgramStyle.Stdin ? PromptSet.TestInputsStdin : PromptSet.TestInputsFunction;
            using var span = s.Telemetry.StartStep("test-inputs");
            var reply = await s.Chat.AskAsync("test-inputs", Render(template, problem, ("count", Num(o.MaxTestInputs))), cancellationToken);
            var parsed = TestInputParser.ParseInputs(reply.Text, o.MaxTestInputs);
            if (parsed is null)
            {
                Degrade(degraded, null, "test-inputs", "the reply held no JSON array of inputs; drafts run without generated inputs", problem);
            }

            inputs = parsed ?? [];
        }

        if (features.SelfTests && o.MaxTestInputs > 0)
        {
            var template = problem.Style == ProgramStyle.Stdin ? PromptSet.SelfTestsStdin : PromptSet.SelfTestsFunction;
            using var span = s.Telemetry.StartStep("self-tests");
            var reply = await s.Chat.AskAsync("self-tests", Render(template, problem, ("count", Num(o.MaxTestInputs))), cancellationToken);
            selfTests = TestInputParser.ParseSelfTests(reply.Text, problem.Style, problem.Language, o.MaxTestInputs);
            if (selfTests is null)
            {
                Degrade(degraded, null, "self-tests", "the reply held no usable tests; drafts run without self-tests", problem);
            }
        }

        var overlay = features.EvolveKnowledge ? await s.Retriever.EnsureOverlayAsync(context, method, problem.Id, cancellationToken) : null;
        if (overlay is null)
        {
            // Nothing to write: the problems sharing the schedule need not wait for this one.
            context.RoundBarrier?.Leave(problem.Id);
        }

        var knowledgeBase = features.Retrieve ? overlay ?? context.KnowledgeBase : null;
        var sources = features.ForcedSources ?? context.Sources;

        var maxRounds = !features.Iterate ? 1 : context.MaxRounds ?? (features.ReflexionBudget ? o.ReflexionMaxAttempts : o.MaxRounds);
        var query = problem.Description;
        var reflections = new List<string>();
        var rounds = new List<RoundEvent>();
        (string Program, string Source, int Round)? lastClean = null;
        (Verdict, string)? previousError = null;
        StopReason stop = features.Iterate ? StopReason.Budget : StopReason.SingleShot;

        for (var round = 0; round < maxRounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var roundStarted = s.Time.GetTimestamp();
            using var roundActivity = s.Telemetry.StartRound(method, problem.Id, round);
            using var roundScope = s.Usage.BeginScope($"{method}:{problem.Id}:round-{round}");
            var roundDegraded = new List<DegradedStep>();

            // Step 2a: retrieve with the current query.
            var t = s.Time.GetTimestamp();
            var retrieval = Retrieval.None;
            if (features.Retrieve && knowledgeBase is not null)
            {
                using var span = s.Telemetry.StartStep("retrieve");
                retrieval = await s.Retriever.SearchAsync(knowledgeBase, query, sources, context, cancellationToken);
                span?.SetTag("evor.knowledge_base", knowledgeBase);
                span?.SetTag(PipelineTelemetry.SearchModeTag, retrieval.Retriever);
                span?.SetTag("evor.retrieved", retrieval.Hits.Count);
            }

            var retrievalMs = s.Time.GetElapsedTime(t).TotalMilliseconds;
            if (features.Retrieve && knowledgeBase is not null)
            {
                s.Telemetry.RecordRetrieval(method, retrieval.Retriever, retrievalMs);
            }

            // Step 2b: generate.
            t = s.Time.GetTimestamp();
            LlmReply generation;
            string generationPrompt;
            ExtractedCode code;
            string program;
            using (var span = s.Telemetry.StartStep("generate"))
            {
                var previous = rounds.Count > 0 ? rounds[^1].Program : null;
                generationPrompt = GeneratePrompt(problem, retrieval, features.Reflect ? previous : null, reflections);
                generation = await s.Chat.AskAsync("generate", generationPrompt, cancellationToken);
                code = CodeExtractor.Extract(generation.Text, problem.Language);
                if (code.Kind == ExtractionKind.Empty)
                {
                    Degrade(roundDegraded, round, "generate", "the reply held no code; the empty program is run and fails", problem);
                }

                program = problem.Assemble(code.Code);
                span?.SetTag("evor.extraction", code.Kind.ToString());
                span?.SetTag("evor.source", generation.Source);
            }

            var generationMs = s.Time.GetElapsedTime(t).TotalMilliseconds;

            // Step 2c: execute on the generated inputs, self-tests and visible tests.
            t = s.Time.GetTimestamp();
            ExecutionReport? report = null;
            if (features.Iterate)
            {
                using var span = s.Telemetry.StartStep("execute");
                report = await drafts.RunAsync(problem, program, inputs, selfTests, cancellationToken);
                span?.SetTag(PipelineTelemetry.VerdictTag, report.Verdict.ToString());
                span?.SetTag("evor.runs", report.Runs.Count);
            }

            var executionMs = s.Time.GetElapsedTime(t).TotalMilliseconds;

            // Step 3: knowledge evolution.
            t = s.Time.GetTimestamp();
            EvolvedDocument? evolved = null;
            if (report is not null && overlay is not null)
            {
                using var span = s.Telemetry.StartStep("evolve");
                (string target, var draft, var feedback, var evolvedRound) = (overlay, program, report, round);
                evolved = context.RoundBarrier is { } barrier
                    ? await barrier.WriteAtBarrierAsync(problem.Id, round,
                        ct => s.KnowledgeEvolver.EvolveAsync(target, problem, evolvedRound, context.JobId, draft, feedback, ct), cancellationToken)
                    : await s.KnowledgeEvolver.EvolveAsync(overlay, problem, round, context.JobId, program, report, cancellationToken);
                span?.SetTag("evor.evolved.source", evolved.Source.ToWireName());
                span?.SetTag("evor.evolved.written", evolved.Written);
                if (!evolved.Written && evolved.Note is { } note && note.StartsWith("refused", StringComparison.Ordinal))
                {
                    Degrade(roundDegraded, round, "evolve-knowledge", note, problem);
                }
            }

            // Step 5: stop rules.
            StopReason? stopNow = null;
            if (report is null)
            {
                stopNow = StopReason.SingleShot;
            }
            else if (report.Clean)
            {
                lastClean = (program, generation.Source, round);
                stopNow = StopReason.Clean;
            }
            else if (features.StopOnRepeatedError && previousError == (report.Verdict, report.NormalizedError))
            {
                stopNow = StopReason.RepeatedError;
            }
            else if (round == maxRounds - 1)
            {
                stopNow = StopReason.Budget;
            }

            // Reflection and step 4 (query evolution), only when another round follows.
            string? reflection = null;
            string? nextQuery = null;
            if (stopNow is null && report is not null)
            {
                if (features.Reflect)
                {
                    using var span = s.Telemetry.StartStep("reflect");
                    var reply = await s.Chat.AskAsync("reflect", Render(PromptSet.Reflect, problem,
                        ("program", program), ("feedback", report.Describe(s.Options.MaxFeedbackChars))), cancellationToken);
                    reflection = reply.Text.Trim();
                    if (reflection.Length == 0)
                    {
                        Degrade(roundDegraded, round, "reflect", "the reply was empty; the next attempt gets the feedback only", problem);
                        reflection = report.Describe(s.Options.MaxFeedbackChars / 4);
                    }

                    reflections.Add(reflection);
                }

                if (features.EvolveQuery)
                {
                    using var span = s.Telemetry.StartStep("rewrite");
                    var rewrite = await s.QueryEvolver.RewriteAsync(problem, query, program, selfTests is ScriptTests st ? [st.Code] : inputs, report, cancellationToken);
                    if (rewrite.Degraded)
                    {
                        Degrade(roundDegraded, round, "rewrite-query", "the reply was empty; the query is kept", problem);
                    }

                    nextQuery = rewrite.Query;
                }
            }

            var evolutionMs = s.Time.GetElapsedTime(t).TotalMilliseconds;
            var spent = roundScope.Snapshot();
            var evt = new RoundEvent
            {
                Method = method,
                ProblemId = problem.Id,
                Round = round,
                Query = features.Retrieve ? query : null,
                Retrieved = retrieval.Trace,
                RetrievedTokens = retrieval.Tokens,
                OmittedForBudget = retrieval.OmittedForBudget,
                Program = program,
                GenerationPrompt = generationPrompt,
                ProgramSource = generation.Source,
                Extraction = code.Kind,
                Verdicts = report?.Runs ?? [],
                RanClean = report?.Clean ?? false,
                Evolved = evolved,
                NextQuery = nextQuery,
                Reflection = reflection,
                Stop = stopNow,
                Degraded = roundDegraded,
                TokensIn = spent.Usage.InputTokens,
                TokensOut = spent.Usage.OutputTokens,
                LlmCalls = spent.Calls,
                Timings = new RoundTimings(retrievalMs, generationMs, executionMs, evolutionMs, s.Time.GetElapsedTime(roundStarted).TotalMilliseconds),
            };
            rounds.Add(evt);
            var verdict = report?.Verdict.ToString() ?? PipelineTelemetry.NotRun;
            s.Telemetry.RoundFinished(roundActivity, evt, verdict);
            MethodLog.Round(s.Logger, method, problem.Id, round, verdict, retrieval.Hits.Count,
                evt.TokensIn, evt.TokensOut, evt.Timings.TotalMs);
            if (context.OnRound is { } onRound)
            {
                await onRound(evt, cancellationToken);
            }

            if (stopNow is { } reason)
            {
                stop = reason;
                break;
            }

            query = nextQuery ?? query;
            previousError = (report!.Verdict, report.NormalizedError);
        }

        var last = rounds[^1];
        var answer = lastClean ?? (last.Program, last.ProgramSource, last.Round);
        var total = scope.Snapshot();
        MethodLog.Finished(s.Logger, method, problem.Id, stop.ToString(), rounds.Count, answer.Round, answer.Source);
        return new MethodResult
        {
            Method = method,
            ProblemId = problem.Id,
            Answer = answer.Program,
            AnswerSource = answer.Source,
            AnswerRound = answer.Round,
            Stop = stop,
            Rounds = rounds,
            Degraded = degraded,
            TestInputs = selfTests switch
            {
                ScriptTests script => [script.Code],
                IoTests io => [.. io.Cases.Select(c => c.Stdin)],
                _ => inputs,
            },
            Overlay = overlay,
            TokensIn = total.Usage.InputTokens,
            TokensOut = total.Usage.OutputTokens,
            LlmCalls = total.Calls,
            ElapsedMs = s.Time.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    private void Degrade(List<DegradedStep> list, int? round, string step, string reason, GenerationProblem problem)
    {
        list.Add(new DegradedStep(round, step, reason));
        MethodLog.StepDegraded(s.Logger, method, problem.Id, step, reason);
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Render(string template, GenerationProblem problem, params (string Name, string? Value)[] values) =>
        PromptSet.Render(template, [("language", problem.Language), ("library", PromptSet.LibraryClause(problem)), ("question", problem.Description), .. values]);

    /// <summary>The generation prompt: question, retrieved documents, code context and (Reflexion) the last attempt with reflections.</summary>
    internal static string GeneratePrompt(GenerationProblem problem, Retrieval retrieval, string? previousProgram, IReadOnlyList<string> reflections)
    {
        var documents = "";
        if (retrieval.Hits.Count > 0)
        {
            var items = new StringBuilder();
            for (var i = 0; i < retrieval.Hits.Count; i++)
            {
                var chunk = retrieval.Hits[i].Chunk;
                items.Append(PromptSet.Render(PromptSet.DocumentItem, ("n", Num(i + 1)), ("source", chunk.Source.ToWireName()),
                    ("title", chunk.Title ?? chunk.DocumentId), ("text", chunk.Text)));
            }

            documents = PromptSet.Render(PromptSet.DocumentsSection, ("items", items.ToString().TrimEnd()));
        }

        var attempts = previousProgram is not null && reflections.Count > 0
            ? PromptSet.Render(PromptSet.AttemptsSection, ("language", problem.Language), ("program", previousProgram),
                ("reflections", string.Join('\n', reflections.TakeLast(3).Select(r => $"- {r}"))))
            : "";
        var context = problem.CodeContext is { Length: > 0 } ctx
            ? PromptSet.Render(PromptSet.ContextSection, ("language", problem.Language), ("code_context", ctx))
            : "";
        return Render(PromptSet.Generate, problem, ("documents", documents), ("attempts", attempts), ("context", context));
    }
}
