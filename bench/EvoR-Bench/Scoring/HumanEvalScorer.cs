using EvoR.Sandbox;
using Microsoft.Extensions.Logging;

namespace EvoR.Bench.Scoring;

/// <summary>Runs candidates through <see cref="ICodeExecutor"/> with bounded parallelism and collects verdicts.</summary>
internal sealed partial class HumanEvalScorer(ICodeExecutor executor, TimeProvider timeProvider, ILogger<HumanEvalScorer> logger)
{
    /// <summary>How many times a candidate refused by a full pool is offered again before scoring gives up.</summary>
    private const int MaxBusyRetries = 20;

    /// <summary>
    /// Scores every candidate, at most <paramref name="maxParallelism"/> at once. A program's own failure is a
    /// verdict; a candidate the pool refused (<see cref="SandboxBusyException"/>, nothing ran) is offered again after
    /// the pool's retry hint. Results are in candidate order.
    /// </summary>
    public async Task<ScoreReport> ScoreAsync(
        IReadOnlyList<Candidate> candidates,
        int maxParallelism,
        ExecutionLimitsOverride? limits = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelism, 1);

        var verdicts = new TaskVerdict[candidates.Count];
        var start = timeProvider.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, candidates.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellationToken },
            async (i, ct) => verdicts[i] = await ScoreOneAsync(candidates[i], limits, ct));
        return new ScoreReport(verdicts, timeProvider.GetElapsedTime(start), maxParallelism);
    }

    /// <summary>Scores one candidate.</summary>
    public async Task<TaskVerdict> ScoreOneAsync(Candidate candidate, ExecutionLimitsOverride? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var request = HumanEvalRequestBuilder.Build(candidate.Problem, candidate.Completion, limits);
        for (var attempt = 0; ; attempt++)
        {
            var start = timeProvider.GetTimestamp();
            try
            {
                var result = await executor.ExecuteAsync(request, cancellationToken);
                var elapsed = timeProvider.GetElapsedTime(start).TotalMilliseconds;
                LogScored(candidate.Problem.TaskId, candidate.Variant, result.Verdict, elapsed);
                return new TaskVerdict(candidate.Problem.TaskId, candidate.Variant, result, elapsed);
            }
            catch (SandboxBusyException ex) when (attempt < MaxBusyRetries)
            {
                // Nothing ran, so offering it again is not a retried execution.
                LogBusy(candidate.Problem.TaskId, candidate.Variant, ex.RetryAfter.TotalMilliseconds);
                await Task.Delay(ex.RetryAfter > TimeSpan.Zero ? ex.RetryAfter : TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Scored {TaskId} ({Variant}): {Verdict} in {ElapsedMs:0.0} ms")]
    private partial void LogScored(string taskId, string variant, Verdict verdict, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Sandbox pool full for {TaskId} ({Variant}); offering it again in {RetryAfterMs:0} ms")]
    private partial void LogBusy(string taskId, string variant, double retryAfterMs);
}
