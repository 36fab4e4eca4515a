using EvoR.Bench.Datasets;
using EvoR.Bench.Scoring;
using EvoR.Bench.Statistics;

namespace EvoR.Bench.Commands;

/// <summary>
/// Scores every canonical HumanEval solution through a sandbox: each should pass, so the wall time measures the
/// sandbox under a realistic batch and any task that does not pass points at the sandbox, not at a model.
/// </summary>
internal static class CanonicalHumanEval
{
    /// <summary>The batch's wall time, per-task latency and the tasks that did not pass (with their stderr's tail).</summary>
    public static async Task<HumanEvalRun> ScoreAsync(HumanEvalScorer scorer, string datasetPath, int parallelism, CancellationToken cancellationToken)
    {
        var problems = await HumanEvalLoader.LoadAsync(datasetPath, cancellationToken);
        var report = await scorer.ScoreAsync([.. problems.Select(Candidate.Canonical)], parallelism, cancellationToken: cancellationToken);
        return new HumanEvalRun
        {
            DatasetPath = datasetPath,
            Tasks = problems.Count,
            Passed = report.PassedCount,
            Parallelism = report.Parallelism,
            WallSeconds = report.WallTime.TotalSeconds,
            TaskLatency = LatencySummary.From([.. report.Verdicts.Select(v => v.ElapsedMs)]),
            NotPassed = [.. report.NotPassed.Select(v => new HumanEvalFailure(v.TaskId, v.Verdict.ToString(), v.Result.Message, Tail(v.Result.Stderr, 300)))],
        };
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];
}
