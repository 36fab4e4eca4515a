using EvoR.Bench.Datasets;

namespace EvoR.Bench.Scoring;

/// <summary>A completion to score against one problem. <see cref="Variant"/> names where it came from
/// (<c>canonical</c>, a broken variant, a model…).</summary>
internal sealed record Candidate(HumanEvalProblem Problem, string Completion, string Variant)
{
    /// <summary>The problem's own reference completion.</summary>
    public static Candidate Canonical(HumanEvalProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new Candidate(problem, problem.CanonicalSolution, CanonicalVariant);
    }

    public const string CanonicalVariant = "canonical";
}
