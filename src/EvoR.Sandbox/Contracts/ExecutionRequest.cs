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

    /// <summary>Files written into the working folder (<c>/work</c>) before each run of the program; the program and its
    /// script tests (same run) may read and write there. Each io case starts from these files afresh.</summary>
    public IReadOnlyList<ExecutionFile>? Files { get; init; }

    /// <summary>Arguments passed to the program after its own command (<c>sys.argv[1:]</c> in Python).</summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Names of library folders the service configures (<c>Sandbox:Libraries:NAME:Path</c>), bound read-only at
    /// <c>/libraries/NAME</c> and put on the language's import path (Python: <c>PYTHONPATH</c>).</summary>
    public IReadOnlyList<string>? Libraries { get; init; }

    public ExecutionLimitsOverride? Limits { get; init; }
}
