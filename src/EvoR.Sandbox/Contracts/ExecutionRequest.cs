namespace EvoR.Sandbox;

/// <summary>A program to run in the sandbox, with optional input, tests and limits.</summary>
public sealed record ExecutionRequest
{
    /// <summary>Language name or alias, as listed by the language catalog (e.g. <c>python</c>).</summary>
    public required string Language { get; init; }

    public required string Code { get; init; }

    /// <summary>Standard input for a run without io tests. Null or empty: the program sees EOF at once.</summary>
    public string? Stdin { get; init; }

    public TestSpec? Tests { get; init; }

    public ExecutionLimitsOverride? Limits { get; init; }
}
