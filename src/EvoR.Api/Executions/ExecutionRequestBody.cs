using EvoR.Sandbox;

namespace EvoR.Api.Executions;

/// <summary>
/// Body of <c>POST /v1/executions</c>: a program to run, with optional input, tests and limits. Members are optional
/// here so that a missing one is reported per field (400 <c>validation</c>) rather than as malformed JSON.
/// </summary>
public sealed record ExecutionRequestBody
{
    /// <summary>Language name or alias, as listed by <c>GET /v1/languages</c> (e.g. <c>python</c>). Required.</summary>
    public string? Language { get; init; }

    /// <summary>The program's source. Required.</summary>
    public string? Code { get; init; }

    /// <summary>Standard input for a run without io tests; omitted or empty, the program sees EOF at once.</summary>
    public string? Stdin { get; init; }

    /// <summary>How the program is tested: <c>{"kind":"script","code":…}</c> (HumanEval-style code appended to the
    /// program) or <c>{"kind":"io","cases":[{"stdin":…,"expectedStdout":…}]}</c>. Omitted: exit code 0 passes.</summary>
    public TestSpec? Tests { get; init; }

    /// <summary>Per-request limits within the configured maxima; omitted members keep the defaults.</summary>
    public ExecutionLimitsOverride? Limits { get; init; }
}
