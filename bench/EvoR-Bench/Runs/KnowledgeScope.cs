namespace EvoR.Bench.Runs;

/// <summary>What the evolving part of the knowledge base is shared by (<c>--knowledge-scope</c>).</summary>
internal enum KnowledgeScope
{
    /// <summary>One overlay per problem: a problem sees only what its own rounds wrote.</summary>
    Problem,

    /// <summary>One overlay per dataset × method (× sample), shared by its problems on a synchronous round schedule.</summary>
    Run,
}

internal static class KnowledgeScopes
{
    public const string ProblemName = "problem";
    public const string RunName = "run";

    public static IReadOnlyList<string> Names { get; } = [ProblemName, RunName];

    public static string ToWireName(this KnowledgeScope scope) => scope == KnowledgeScope.Run ? RunName : ProblemName;

    /// <exception cref="ArgumentException">Neither <c>problem</c> nor <c>run</c>.</exception>
    public static KnowledgeScope Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or ProblemName => KnowledgeScope.Problem,
        RunName => KnowledgeScope.Run,
        _ => throw new ArgumentException($"Unknown knowledge scope '{value}'; expected {ProblemName} or {RunName}."),
    };

    /// <summary>One line for <c>summary.md</c> and <c>report.html</c>.</summary>
    public static string Describe(this KnowledgeScope scope) => scope == KnowledgeScope.Run
        ? "run: one evolving overlay per dataset × method, shared by its problems; every problem's round r is written before any round r + 1 starts, so round r sees exactly what rounds < r wrote"
        : "problem: one evolving overlay per problem; a problem sees only what its own rounds wrote";
}
