using EvoR.Bench.Datasets;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;

namespace EvoR.Bench.Runs;

/// <summary>
/// One sample, start to finish: the method's answer (from the <see cref="ISampleGenerator"/>, or the pseudo-methods
/// <see cref="BenchRunner.Reference"/> and <see cref="BenchRunner.Empty"/>), then its score. Never throws for a sample
/// that failed: a model-call or infrastructure failure becomes the record's failure class, so a run always finishes.
/// </summary>
internal sealed class SampleRunner(ISampleGenerator generator, IKnowledgeBaseStore store, SampleScorer scorer, TimeProvider time)
{
    /// <summary>The job id of a sample: part of its evolved documents' provenance and of its overlay's name.</summary>
    public static string JobId(string runId, int sample) => $"{runId}-s{sample}";

    /// <summary>One sample; <paramref name="shared"/> is the run scope's overlay and round schedule, null for the problem's own overlay (the problem scope).</summary>
    public async Task<SampleRecord> RunAsync(IBenchDataset dataset, string method, BenchProblem problem, int sample, string runId,
        string? knowledgeBase, SharedKnowledge? shared, CancellationToken cancellationToken)
    {
        var record = new SampleRecord
        {
            Dataset = dataset.Name, Method = method, ProblemId = problem.Id, Sample = sample, ProblemHash = problem.Hash(), FinishedAt = time.GetUtcNow(),
            GoldDocRecall = GoldDocs.Share(problem.GoldDocs, prompt: null),
        };
        var generation = problem.ToGenerationProblem();
        if (method is BenchRunner.Reference or BenchRunner.Empty)
        {
            if (method == BenchRunner.Reference && problem.Reference is null)
            {
                return record with { Failure = FailureClasses.Infrastructure, Error = "The problem has no reference solution." };
            }

            var answer = generation.Assemble(method == BenchRunner.Reference ? problem.Reference! : "");
            return await scorer.ScoreAsync(record with { Answer = answer, AnswerSource = method, Stop = "single-shot" }, problem, generation, [], cancellationToken);
        }

        var started = time.GetTimestamp();
        MethodResult result;
        try
        {
            var context = new MethodContext
            {
                JobId = JobId(runId, sample), KnowledgeBase = knowledgeBase, Overlay = shared?.Overlay, RoundBarrier = shared?.Barrier,
            };
            if (knowledgeBase is not null && shared is null && generator.Service is null)
            {
                // A sample redone after a kill starts from the shared base, not from what its killed attempt evolved.
                await BenchKnowledgeBases.DeleteIfPresentAsync(store, KnowledgeRetriever.OverlayName(context.JobId, method, problem.Id), cancellationToken);
            }

            result = await generator.RunAsync(method, generation.WithoutHiddenTests(), context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is LlmCallFailedException or LlmNotConfiguredException or CassetteMissException or ServiceJobFailedException { ModelCallFailed: true })
        {
            return record with { Failure = FailureClasses.ModelCallFailed, Error = ex.Message, ElapsedMs = time.GetElapsedTime(started).TotalMilliseconds };
        }
        catch (Exception ex)
        {
            return record with { Failure = FailureClasses.Infrastructure, Error = $"{ex.GetType().Name}: {ex.Message}", ElapsedMs = time.GetElapsedTime(started).TotalMilliseconds };
        }

        record = record with
        {
            Answer = result.Answer,
            AnswerSource = result.AnswerSource,
            AnswerRound = result.AnswerRound,
            Stop = result.Stop.ToString(),
            TokensIn = result.TokensIn,
            TokensOut = result.TokensOut,
            LlmCalls = result.LlmCalls,
            ElapsedMs = result.ElapsedMs,
            PromptSetHash = result.PromptSetHash,
            GoldDocRecall = GoldDocs.Share(problem.GoldDocs, result.Rounds.Count == 0 ? null : result.Rounds[^1].GenerationPrompt),
        };
        return await scorer.ScoreAsync(record, problem, generation, Rounds(result), cancellationToken);
    }

    /// <summary>The method's rounds as <c>samples.jsonl</c> keeps them (verdicts as <c>label: verdict</c>).</summary>
    private static List<RoundRecord> Rounds(MethodResult result) =>
        [.. result.Rounds.Select(r => new RoundRecord
        {
            Round = r.Round,
            Query = r.Query,
            Retrieved = [.. r.Retrieved.Select(d => new RetrievedRecord(d.DocumentId, d.Source.ToWireName(), d.Score))],
            Program = r.Program,
            Verdicts = [.. r.Verdicts.Select(v => $"{v.Label}: {v.Verdict}")],
            RanClean = r.RanClean,
            TokensIn = r.TokensIn,
            TokensOut = r.TokensOut,
            LlmCalls = r.LlmCalls,
            RetrievalMs = r.Timings.RetrievalMs,
            GenerationMs = r.Timings.GenerationMs,
            ExecutionMs = r.Timings.ExecutionMs,
            TotalMs = r.Timings.TotalMs,
        })];
}
