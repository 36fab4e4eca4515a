using EvoR.Bench.Datasets;
using EvoR.Sandbox;

namespace EvoR.Bench.Scoring;

/// <summary>Ways to break a correct completion, each with the verdicts a correct sandbox may give it.</summary>
internal enum BrokenVariantKind
{
    /// <summary>The body returns <c>None</c>: the tests' assertions fail (or, where a test does arithmetic on the
    /// result, the test itself raises a <c>TypeError</c>).</summary>
    WrongReturn,

    /// <summary>The body raises before returning anything.</summary>
    Raises,
}

/// <summary>Generates completions that must never pass, for conformance checks of the sandbox's verdicts.</summary>
internal static class BrokenVariants
{
    /// <summary>Body of <see cref="BrokenVariantKind.WrongReturn"/>: a constant no HumanEval test accepts.</summary>
    public const string WrongReturnBody = "    return None\n";

    /// <summary>Body of <see cref="BrokenVariantKind.Raises"/>.</summary>
    public const string RaisesBody = "    raise RuntimeError(\"evor-bench: broken variant\")\n";

    public static IReadOnlyList<BrokenVariantKind> AllKinds { get; } = Enum.GetValues<BrokenVariantKind>();

    /// <summary>The completion of <paramref name="kind"/>: it replaces the whole canonical body.</summary>
    public static string Completion(BrokenVariantKind kind) => kind switch
    {
        BrokenVariantKind.WrongReturn => WrongReturnBody,
        BrokenVariantKind.Raises => RaisesBody,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown broken variant."),
    };

    /// <summary>Variant name used in <see cref="Candidate.Variant"/>, e.g. <c>broken:WrongReturn</c>.</summary>
    public static string VariantName(BrokenVariantKind kind) => "broken:" + kind;

    public static Candidate Create(HumanEvalProblem problem, BrokenVariantKind kind) =>
        new(problem, Completion(kind), VariantName(kind));

    /// <summary>Every broken variant of every problem, problem by problem.</summary>
    public static IReadOnlyList<Candidate> CreateAll(IEnumerable<HumanEvalProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return [.. problems.SelectMany(p => AllKinds.Select(k => Create(p, k)))];
    }

    /// <summary>
    /// Verdicts a correct sandbox may give <paramref name="kind"/>. <paramref name="stderr"/> is the run's error
    /// output: a wrong return that ended in an <c>AssertionError</c> must be <see cref="Verdict.Failed"/>; one whose
    /// test raised something else (e.g. <c>TypeError</c> on <c>None - 1.0</c>) may also be a runtime error.
    /// </summary>
    public static IReadOnlySet<Verdict> AcceptableVerdicts(BrokenVariantKind kind, string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        return kind switch
        {
            BrokenVariantKind.WrongReturn when stderr.Contains("AssertionError", StringComparison.Ordinal) =>
                new HashSet<Verdict> { Verdict.Failed },
            BrokenVariantKind.WrongReturn or BrokenVariantKind.Raises =>
                new HashSet<Verdict> { Verdict.Failed, Verdict.RuntimeError },
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown broken variant."),
        };
    }
}
