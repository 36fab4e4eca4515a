using EvoR.Bench.Datasets;

namespace EvoR.Bench.Runs;

/// <summary>What one <c>run</c> does: which datasets and methods, where to, how wide.</summary>
internal sealed record BenchRunOptions
{
    public required IReadOnlyList<IBenchDataset> Datasets { get; init; }
    public required IReadOnlyList<string> Methods { get; init; }
    public required string OutputDirectory { get; init; }

    /// <summary>Samples in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>What the evolving overlay is shared by: each problem (default), or each dataset × method on a synchronous
    /// round schedule (<see cref="SharedKnowledgeGroups"/>).</summary>
    public KnowledgeScope KnowledgeScope { get; init; } = KnowledgeScope.Problem;

    /// <summary>The first N problems of each dataset; null: all.</summary>
    public int? Limit { get; init; }

    /// <summary>Samples per problem; more than 1 gives unbiased pass@k.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Run again the samples whose failure was the model's call or the infrastructure.</summary>
    public bool RetryFailed { get; init; }

    /// <summary>Null: the run id of an existing <c>run.json</c> in the folder, else a new one.</summary>
    public string? RunId { get; init; }

    /// <summary>A sample in flight this long is named in a liveness warning (as EvalPlus does); checked every half of it.</summary>
    public TimeSpan StallAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Run-wide token budget (in + out, over every sample in <c>samples.jsonl</c>): once reached, no new sample
    /// starts (those in flight finish); the rest count as not run. Null: no budget.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>USD per million input tokens; with <see cref="PriceOutPerMTok"/>, gives each cell's cost. Null: no cost.</summary>
    public double? PriceInPerMTok { get; init; }

    /// <summary>USD per million output tokens.</summary>
    public double? PriceOutPerMTok { get; init; }

    /// <summary>Extra facts for <c>run.json</c> (the cassette mode, the command line).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
