using EvoR.Api.Problems;
using EvoR.Api.Telemetry;
using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using EvoR.Llm.Usage;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;

namespace EvoR.Api.Generations;

/// <summary>
/// Runs one job a worker claimed (the queue marked it running): runs its method through <see cref="MethodRunner"/> (which strips the
/// hidden tests before the method and scores with them after), stores each round as an event as it happens, and
/// stores how it ended. The job's time budget, its token budget, a <c>DELETE</c> and the service stopping each end it
/// with their own status.
/// </summary>
internal sealed class GenerationJobRunner(
    IGenerationStore store,
    IGenerationQueue queue,
    GenerationEventHub hub,
    GenerationTelemetry telemetry,
    IServiceProvider services,
    ILlmUsageTracker usage,
    TimeProvider time,
    ILogger<GenerationJobRunner> logger)
{
    public const string RoundEvent = "round";
    public const string EndEvent = "end";

    // Resolved at the first job, not at start: the methods pull in the knowledge store and the embedder.
    private MethodRunner Runner => services.GetRequiredService<MethodRunner>();

    public async Task RunAsync(GenerationClaim claim, CancellationToken stopping)
    {
        var id = claim.Id;
        try
        {
            // Store writes use no token: a job that ends because the service stops must still be written down.
            if (await store.GetAsync(id, CancellationToken.None) is not { } job)
            {
                return;
            }

            hub.Notify(id);
            ApiLog.GenerationStarted(logger, id, job.Spec.Method);
            var started = time.GetTimestamp();
            var outcome = await ExecuteAsync(job, claim.Cancelled, stopping);
            var elapsed = time.GetElapsedTime(started);
            if (await store.TryFinishAsync(id, outcome, [GenerationStatus.Running], EndEvent, CancellationToken.None))
            {
                telemetry.Finished(job.Spec.Method, outcome.Status, elapsed);
                ApiLog.GenerationFinished(logger, id, job.Spec.Method, outcome.Status.ToWire(), outcome.Error?.Type, elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            queue.Complete(claim);
            hub.Notify(id);
        }
    }

    private async Task<GenerationOutcome> ExecuteAsync(GenerationJobRecord job, CancellationToken cancelled, CancellationToken stopping)
    {
        var spec = job.Spec;
        using var timeBudget = new CancellationTokenSource(TimeSpan.FromSeconds(spec.TimeBudgetSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancelled, timeBudget.Token, stopping);
        using var scope = usage.BeginScope($"generation:{job.Id}");
        using var llm = BudgetedChatCompletionService.Enter(new GenerationLlmContext(scope, spec.TokenBudget, spec.Temperature, spec.MaxOutputTokens));

        var context = new MethodContext
        {
            JobId = job.Id,
            Owner = job.Owner,
            KnowledgeBase = spec.KnowledgeBase,
            Sources = spec.Sources is { Count: > 0 } sources ? [.. sources.Select(s => SourceKinds.Parse(s))] : null,
            MaxRounds = spec.MaxRounds,
            OnRound = async (round, _) =>
            {
                await store.AppendRoundAsync(job.Id, RoundEvent, GenerationPrompts.Store(round), Usage(scope), CancellationToken.None);
                hub.Notify(job.Id);
            },
        };

        try
        {
            var runner = Runner;
            var scored = await runner.RunAsync(runner.Methods[spec.Method], spec.ToProblem(job.Id), context, linked.Token);
            var result = scored.Result;
            var answer = new GenerationAnswer(result.Answer, result.AnswerSource, result.AnswerRound, GenerationJson.Wire(result.Stop),
                result.PromptSetVersion, result.PromptSetHash);
            // Only the verdict: the sandbox's message may quote a failing hidden test.
            var score = scored.Score.Scored ? new GenerationScore(GenerationJson.Wire(scored.Score.Verdict!.Value), scored.Score.Passed) : null;
            return new GenerationOutcome(GenerationStatus.Succeeded, answer, score, Usage(scope), null);
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
        {
            return Ended(GenerationStatus.Cancelled, scope, null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Ended(GenerationStatus.Interrupted, scope, GenerationErrors.StoppedWhileRunning);
        }
        catch (OperationCanceledException) when (timeBudget.IsCancellationRequested)
        {
            return Ended(GenerationStatus.Failed, scope, new GenerationError(ProblemTypes.TimeBudgetExceeded, "Time budget exceeded",
                $"The job did not finish within its time budget of {spec.TimeBudgetSeconds} s."));
        }
        catch (TokenBudgetExceededException ex)
        {
            return Ended(GenerationStatus.Failed, scope, new GenerationError(ProblemTypes.TokenBudgetExceeded, "Token budget exceeded", ex.Message));
        }
        catch (LlmNotConfiguredException ex)
        {
            return Ended(GenerationStatus.Failed, scope, new GenerationError(ProblemTypes.LlmNotConfigured, "No language model configured", ex.Message));
        }
        catch (LlmCallFailedException ex)
        {
            return Ended(GenerationStatus.Failed, scope, new GenerationError(ProblemTypes.LlmCallFailed, "LLM call failed",
                $"The language model call failed ({ex.Kind}{(ex.StatusCode is { } status ? $", HTTP {(int)status}" : "")}); the job stopped."));
        }
        catch (KnowledgeException ex)
        {
            return Ended(GenerationStatus.Failed, scope, new GenerationError(
                ex.Kind == KnowledgeErrorKind.UnknownBase ? ProblemTypes.UnknownKnowledgeBase : ProblemTypes.KnowledgeBaseError,
                "Knowledge base error", ex.Message));
        }
        catch (Exception ex)
        {
            ApiLog.GenerationCrashed(logger, job.Id, ex);
            return Ended(GenerationStatus.Failed, scope, new GenerationError(ProblemTypes.InternalError, "Internal error",
                "The job failed on a fault of the service; the service log has the details."));
        }
    }

    private static GenerationOutcome Ended(GenerationStatus status, LlmUsageScope scope, GenerationError? error) =>
        new(status, null, null, Usage(scope), error);

    private static GenerationUsage Usage(LlmUsageScope scope)
    {
        var snapshot = scope.Snapshot();
        return new GenerationUsage(snapshot.Usage.InputTokens, snapshot.Usage.OutputTokens, snapshot.Calls);
    }
}

/// <summary>The errors a job ends with that do not come from a run.</summary>
internal static class GenerationErrors
{
    public static GenerationError StoppedWhileRunning { get; } = new(ProblemTypes.JobInterrupted, "Interrupted",
        "The service stopped while the job was running. An LLM run is not repeated on its own (it is not idempotent); " +
        "create a new generation to try again.");

    /// <summary>With PostgreSQL: the replica that ran the job stopped renewing its lease (it died, or lost its host).</summary>
    public static GenerationError LeaseLost { get; } = new(ProblemTypes.JobInterrupted, "Interrupted",
        "The replica running the job stopped (its lease ran out). An LLM run is not repeated on its own (it is not " +
        "idempotent); create a new generation to try again.");
}
