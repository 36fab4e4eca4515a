using System.Text.Json.Serialization;

namespace EvoR.Bench.Datasets;

/// <summary>One HumanEval problem, as a line of <c>HumanEval.jsonl.gz</c>.</summary>
internal sealed record HumanEvalProblem
{
    /// <summary>Stable id, e.g. <c>HumanEval/0</c>.</summary>
    [JsonPropertyName("task_id")]
    public required string TaskId { get; init; }

    /// <summary>Imports, helpers and the signature plus docstring of the function to complete.</summary>
    [JsonPropertyName("prompt")]
    public required string Prompt { get; init; }

    /// <summary>The reference body that completes <see cref="Prompt"/>.</summary>
    [JsonPropertyName("canonical_solution")]
    public required string CanonicalSolution { get; init; }

    /// <summary>Defines <c>check(candidate)</c>, which asserts on the completed function.</summary>
    [JsonPropertyName("test")]
    public required string Test { get; init; }

    /// <summary>Name of the function <c>check</c> is called with.</summary>
    [JsonPropertyName("entry_point")]
    public required string EntryPoint { get; init; }
}
