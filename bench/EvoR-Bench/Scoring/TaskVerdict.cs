using EvoR.Sandbox;

namespace EvoR.Bench.Scoring;

/// <summary>The sandbox's verdict on one candidate.</summary>
/// <param name="TaskId">HumanEval task id.</param>
/// <param name="Variant">Which candidate of the task (see <see cref="Candidate.Variant"/>).</param>
/// <param name="Result">The full execution result (stdout, stderr, limits, backend).</param>
/// <param name="ElapsedMs">Time from submission to result, queueing in the pool included.</param>
internal sealed record TaskVerdict(string TaskId, string Variant, ExecutionResult Result, double ElapsedMs)
{
    public Verdict Verdict => Result.Verdict;
    public bool Passed => Result.Verdict == Verdict.Passed;
}

/// <summary>All verdicts of one scoring run, in candidate order, with the wall time of the whole run.</summary>
internal sealed record ScoreReport(IReadOnlyList<TaskVerdict> Verdicts, TimeSpan WallTime, int Parallelism)
{
    public int PassedCount => Verdicts.Count(v => v.Passed);

    public IReadOnlyList<TaskVerdict> NotPassed => [.. Verdicts.Where(v => !v.Passed)];
}
