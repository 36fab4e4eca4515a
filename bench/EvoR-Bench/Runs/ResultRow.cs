using System.Text.Json.Serialization;

namespace EvoR.Bench.Runs;

/// <summary>One cell of the grid: a method on a dataset.</summary>
internal sealed record ResultRow
{
    public required string Dataset { get; init; }
    public required string Method { get; init; }

    /// <summary>The denominator: every problem of the dataset (after <c>--limit</c>); never shrunk by failures.</summary>
    public required int Problems { get; init; }

    /// <summary>Problems whose sample 0 (or, with several samples, every finished sample counted in <see cref="PassAtK"/>) finished.</summary>
    public required int Finished { get; init; }

    public required int Passed { get; init; }

    /// <summary>Execution accuracy (pass@1): <see cref="Passed"/> / <see cref="Problems"/>; with several samples, unbiased pass@1.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Share of problems whose answer ran through the hidden tests without an error (the released code's syntax accuracy).</summary>
    public required double RanClean { get; init; }

    /// <summary>Accuracy had every problem stopped after round r (index 0 = round 1).</summary>
    public required IReadOnlyList<double> AccuracyByRound { get; init; }

    /// <summary>Unbiased pass@k (Chen et al.) for k ≤ samples; only with more than one sample.</summary>
    public IReadOnlyDictionary<string, double>? PassAtK { get; init; }

    public required long TokensIn { get; init; }
    public required long TokensOut { get; init; }
    public required int LlmCalls { get; init; }
    public required IReadOnlyDictionary<string, int> Failures { get; init; }

    /// <summary>Share of the scored problems whose final generation prompt holds more than 70 % of their gold
    /// documentation lines (the released code's rule; a problem not run or without a prompt counts as missed); null when
    /// no problem of the dataset names gold docs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? GoldDocRecall { get; init; }

    /// <summary>Problems scored for <see cref="GoldDocRecall"/>: those that name gold docs (the others are left out).</summary>
    public int GoldDocProblems { get; init; }

    /// <summary>USD for <see cref="TokensIn"/> and <see cref="TokensOut"/> at the run's prices; null without prices.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Cost { get; init; }

    /// <summary>Problem ids per failure class that <c>--retry-failed</c> would run again (model and infrastructure).</summary>
    public required IReadOnlyList<string> RetryableProblems { get; init; }

    /// <summary>Mean time per sample outside the model (retrieval + execution + scoring), in ms. In <c>summary.md</c> only:
    /// <c>summary.json</c> holds no timings, so that a replayed run reproduces it exactly.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double MeanMsOutsideModel { get; init; }

    /// <summary>True when an answer came from a scripted model or the dataset is scripted: never a model's accuracy.</summary>
    public required bool Scripted { get; init; }

    /// <summary><c>problem</c> or <c>run</c> (<c>--knowledge-scope</c>): what the evolving overlay was shared by.</summary>
    public string KnowledgeScope { get; init; } = KnowledgeScopes.ProblemName;
}
