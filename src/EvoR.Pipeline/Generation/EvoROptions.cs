using System.ComponentModel.DataAnnotations;

namespace EvoR.Pipeline.Generation;

/// <summary>Configuration section <c>EvoR</c>: the generation methods' budgets and LLM settings. Validated at start.</summary>
public sealed class EvoROptions
{
    public const string SectionName = "EvoR";

    /// <summary>Most EvoR rounds per problem (the round budget). Default 4, range 1–20.</summary>
    [Range(1, 20)]
    public int MaxRounds { get; set; } = 4;

    /// <summary>Most Reflexion attempts per problem. Default 4, range 1–20.</summary>
    [Range(1, 20)]
    public int ReflexionMaxAttempts { get; set; } = 4;

    /// <summary>Most LLM-written test inputs (or self-tests) kept per problem. Default 5, range 0–50.</summary>
    [Range(0, 50)]
    public int MaxTestInputs { get; set; } = 5;

    /// <summary>Chunks retrieved per round. Default 5, range 1–100.</summary>
    [Range(1, 100)]
    public int RetrievalK { get; set; } = 5;

    /// <summary>Tokens of retrieved text packed into a prompt. Default 1500, range 0–100000.</summary>
    [Range(0, 100_000)]
    public int RetrievalTokenBudget { get; set; } = 1500;

    /// <summary>Search mode: <c>hybrid</c> (default), <c>bm25</c> or <c>dense</c>. Hybrid falls back to BM25 when embeddings are off.</summary>
    [RegularExpression("(?i)^(hybrid|bm25|dense)$")]
    public string SearchMode { get; set; } = "hybrid";

    /// <summary>Sampling temperature of every call. Default 0, range 0–2.</summary>
    [Range(0.0, 2.0)]
    public double Temperature { get; set; }

    /// <summary>Output cap of every call, in tokens. Default 1024, range 16–32768.</summary>
    [Range(16, 32_768)]
    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>Characters of execution feedback put into a prompt or an evolved document. Default 2000, range 200–100000.</summary>
    [Range(200, 100_000)]
    public int MaxFeedbackChars { get; set; } = 2000;
}
