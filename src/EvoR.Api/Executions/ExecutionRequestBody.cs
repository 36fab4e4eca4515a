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

    /// <summary>Files placed in the program's working folder <c>/work</c> (its current directory, which it may write
    /// in) before it starts: <c>[{"name":"input/input1.pkl","content":"…","encoding":"base64"}]</c>. A name is a relative
    /// path of plain segments (no <c>..</c>, no leading <c>/</c>); <c>encoding</c> is <c>utf8</c> (default) or
    /// <c>base64</c>; <c>Sandbox:MaxFiles</c>, <c>:MaxFileBytes</c> and <c>:MaxTotalFileBytes</c> cap them. Script tests
    /// run in the same run and read what the program wrote; each io case starts from these files afresh.</summary>
    public IReadOnlyList<ExecutionFile>? Files { get; init; }

    /// <summary>Arguments passed to the program after its own command (Python's <c>sys.argv[1:]</c>).</summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Names of library folders this service configures (<c>Sandbox:Libraries:NAME:Path</c>), bound read-only
    /// at <c>/libraries/NAME</c> and put on the import path (Python: <c>PYTHONPATH</c>); an unknown name is a 400
    /// <c>unknown-library</c> problem listing the known ones. A caller cannot upload a library.</summary>
    public IReadOnlyList<string>? Libraries { get; init; }

    /// <summary>Per-request limits within the configured maxima; omitted members keep the defaults.</summary>
    public ExecutionLimitsOverride? Limits { get; init; }

    /// <summary>The required members this body lacks, keyed by their path under <paramref name="prefix"/>.</summary>
    internal Dictionary<string, string[]> MissingMembers(string prefix = "")
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(Language))
        {
            errors[prefix + "language"] = ["A language is required; GET /v1/languages lists them."];
        }

        if (string.IsNullOrEmpty(Code))
        {
            errors[prefix + "code"] = ["Code is required."];
        }

        return errors;
    }

    /// <summary>The sandbox's request; call only once <see cref="MissingMembers"/> found none.</summary>
    internal ExecutionRequest ToRequest() => new()
    {
        Language = Language!,
        Code = Code!,
        Stdin = Stdin,
        Tests = Tests,
        Files = Files,
        Arguments = Arguments,
        Libraries = Libraries,
        Limits = Limits,
    };
}
