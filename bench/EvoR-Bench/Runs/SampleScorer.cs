using EvoR.Bench.Datasets;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Bench.Runs;

/// <summary>
/// Scores a sample's answer against the hidden tests (the dataset's own scorer when it has one) and, per round, the
/// answer the method would have given had it stopped there, which gives accuracy by round. A program is scored once
/// however many rounds share it; a full sandbox pool is waited out, never counted as the answer's failure.
/// </summary>
internal sealed class SampleScorer(HiddenTestScorer scorer, ICodeExecutor executor, TimeProvider time)
{
    /// <summary>The record with its verdict, failure class, rounds' <see cref="RoundRecord.PassedIfStoppedHere"/> and scoring time.</summary>
    public async Task<SampleRecord> ScoreAsync(SampleRecord record, BenchProblem benchProblem, GenerationProblem problem, List<RoundRecord> rounds, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var cache = new Dictionary<string, Score>(StringComparer.Ordinal);
        async Task<Score> Score(string program)
        {
            if (!cache.TryGetValue(program, out var score))
            {
                score = await ScoreWithRetryAsync(benchProblem, problem, program, cancellationToken);
                cache[program] = score;
            }

            return score;
        }

        var final = await Score(record.Answer!);
        string? lastClean = null;
        for (var i = 0; i < rounds.Count; i++)
        {
            lastClean = rounds[i].RanClean ? rounds[i].Program : lastClean;
            var passed = (await Score(lastClean ?? rounds[i].Program)).Passed;
            rounds[i] = rounds[i] with { PassedIfStoppedHere = passed };
        }

        var failure = final.Verdict switch
        {
            Verdict.Passed => null,
            Verdict.Failed => FailureClasses.WrongAnswer,
            Verdict.SandboxError or null => FailureClasses.Infrastructure,
            _ => FailureClasses.RanWithErrors,
        };
        return record with
        {
            Passed = final.Passed,
            Verdict = final.Verdict?.ToString(),
            RanClean = final.Verdict is Verdict.Passed or Verdict.Failed,
            Failure = failure,
            Error = failure == FailureClasses.Infrastructure ? final.Message : null,
            Rounds = rounds,
            ScoringMs = time.GetElapsedTime(started).TotalMilliseconds,
            FinishedAt = time.GetUtcNow(),
        };
    }

    /// <summary>A full pool (nothing ran) is offered again; anything else is the verdict.</summary>
    private async Task<Score> ScoreWithRetryAsync(BenchProblem benchProblem, GenerationProblem problem, string program, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return benchProblem.ScoreProgram is { } own
                    ? await own(executor, program, cancellationToken)
                    : await scorer.ScoreAsync(problem, program, cancellationToken);
            }
            catch (SandboxBusyException ex) when (attempt < 50)
            {
                await Task.Delay(ex.RetryAfter > TimeSpan.Zero ? ex.RetryAfter : TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
            catch (ExecutionRequestException ex)
            {
                // The sandbox refused the run itself (a language this machine lacks, a payload over its limits): our
                // side, counted as infrastructure and named, never a crash of the whole run.
                return new Score(true, Verdict.SandboxError, ex.Message);
            }
        }
    }
}
