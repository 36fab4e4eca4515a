using EvoR.Sandbox;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>The verdict on one generated program for one problem.</summary>
/// <param name="Task">Task name.</param>
/// <param name="ProblemId">Problem id (<c>q12</c>).</param>
/// <param name="Variant">Where the code came from (<c>reference</c>, <c>empty</c>, a method…).</param>
/// <param name="Verdict"><see cref="Verdict.Passed"/> when every case passed; <see cref="Verdict.RuntimeError"/> when a
/// run exited non-zero (the released "syntax-incorrect"), <see cref="Verdict.TimeLimitExceeded"/> when one timed out,
/// <see cref="Verdict.Failed"/> when all ran but an answer was wrong; a sandbox limit or fault as the sandbox said.</param>
/// <param name="SyntaxCorrect">Every run exited 0 (the released syntax accuracy).</param>
/// <param name="FirstFailingCase">The first case that failed, or null (all passed, or the failure was not a case's).</param>
/// <param name="Reason">Why it failed, in a sentence; null when it passed.</param>
/// <param name="Executions">The sandbox results behind it (one for the Python layout, one per case run for stdin/stdout).</param>
/// <param name="ElapsedMs">Time from submission to verdict.</param>
internal sealed record EvorBenchVerdict(
    string Task,
    string ProblemId,
    string Variant,
    Verdict Verdict,
    bool SyntaxCorrect,
    int? FirstFailingCase,
    string? Reason,
    IReadOnlyList<ExecutionResult> Executions,
    double ElapsedMs)
{
    public bool Passed => Verdict == Verdict.Passed;
}
