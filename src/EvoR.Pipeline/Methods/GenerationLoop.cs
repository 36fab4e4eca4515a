using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Methods;

/// <summary>
/// The one loop behind every method (EvoR v2, Algorithm 1, with baselines as subsets of its features):
/// q0 = the question; test inputs (or self-tests) written once; then per round retrieve → generate → execute →
/// evolve knowledge → (reflect) → evolve the query, until a clean run, a repeated error or the budget
/// (<see cref="StopRules"/>). The steps themselves are <see cref="LoopSteps"/>; this class orders them, times them
/// and records each round.
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
        var steps = new LoopSteps(method, features, s, problem, context);
        var degraded = new List<DegradedStep>();

        var tests = await steps.WriteTestsAsync(degraded, cancellationToken);

        var overlay = features.EvolveKnowledge ? await s.Retriever.EnsureOverlayAsync(context, method, problem.Id, cancellationToken) : null;
        if (overlay is null)
        {
            // Nothing to write: the problems sharing the schedule need not wait for this one.
            context.RoundBarrier?.Leave(problem.Id);
        }

        // Null unless the method retrieves: then no round retrieves.
        var knowledgeBase = features.Retrieve ? overlay ?? context.KnowledgeBase : null;
        var sources = features.ForcedSources ?? context.Sources;

        var maxRounds = StopRules.MaxRounds(features, context, s.Options);
        var query = problem.Description;
        var reflections = new List<string>();
        var rounds = new List<RoundEvent>();
        (string Program, string Source, int Round)? lastClean = null;
        (Verdict, string)? previousError = null;
        var stop = StopRules.WhenNoRoundStopped(features);

        for (var round = 0; round < maxRounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var roundStarted = s.Time.GetTimestamp();
            using var roundActivity = s.Telemetry.StartRound(method, problem.Id, round);
            using var roundScope = s.Usage.BeginScope($"{method}:{problem.Id}:round-{round}");
            var roundDegraded = new List<DegradedStep>();

            var t = s.Time.GetTimestamp();
            var retrieval = knowledgeBase is null ? Retrieval.None : await steps.RetrieveAsync(knowledgeBase, query, sources, cancellationToken);
            var retrievalMs = s.Time.GetElapsedTime(t).TotalMilliseconds;
            if (knowledgeBase is not null)
            {
                s.Telemetry.RecordRetrieval(method, retrieval.Retriever, retrievalMs);
            }

            t = s.Time.GetTimestamp();
            var previousProgram = features.Reflect && rounds.Count > 0 ? rounds[^1].Program : null;
            var draft = await steps.GenerateAsync(round, retrieval, previousProgram, reflections, roundDegraded, cancellationToken);
            var generationMs = s.Time.GetElapsedTime(t).TotalMilliseconds;

            t = s.Time.GetTimestamp();
            var report = features.Iterate ? await steps.ExecuteAsync(drafts, draft.Program, tests, cancellationToken) : null;
            var executionMs = s.Time.GetElapsedTime(t).TotalMilliseconds;

            // Evolution time covers the knowledge write, the reflection and the query rewrite.
            t = s.Time.GetTimestamp();
            var evolved = report is not null && overlay is not null
                ? await steps.EvolveKnowledgeAsync(overlay, round, draft.Program, report, roundDegraded, cancellationToken)
                : null;

            var stopNow = StopRules.AfterRound(features, report, previousError, round, maxRounds);
            if (stopNow == StopReason.Clean)
            {
                lastClean = (draft.Program, draft.Reply.Source, round);
            }

            // Reflection and step 4 (query evolution), only when another round follows.
            string? reflection = null;
            string? nextQuery = null;
            if (stopNow is null && report is not null)
            {
                if (features.Reflect)
                {
                    reflection = await steps.ReflectAsync(round, draft.Program, report, roundDegraded, cancellationToken);
                    reflections.Add(reflection);
                }

                if (features.EvolveQuery)
                {
                    nextQuery = await steps.RewriteQueryAsync(round, query, draft.Program, tests, report, roundDegraded, cancellationToken);
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
                Program = draft.Program,
                GenerationPrompt = draft.Prompt,
                ProgramSource = draft.Reply.Source,
                Extraction = draft.Code.Kind,
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

        // The answer is the program that ran clean, else the last round's.
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
            TestInputs = tests.AsWritten,
            Overlay = overlay,
            TokensIn = total.Usage.InputTokens,
            TokensOut = total.Usage.OutputTokens,
            LlmCalls = total.Calls,
            ElapsedMs = s.Time.GetElapsedTime(started).TotalMilliseconds,
        };
    }
}
