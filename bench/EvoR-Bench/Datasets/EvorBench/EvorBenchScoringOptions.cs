namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>How <see cref="EvorBenchScorer"/> runs problems. Defaults follow the released harness where the sandbox's
/// limits allow.</summary>
internal sealed record EvorBenchScoringOptions
{
    /// <summary>Wall limit of one problem's sandbox execution (all its cases), in ms. Default 60000 (the sandbox's default
    /// maximum); valid 100 to the sandbox's <c>MaxLimits.TimeoutMs</c>.</summary>
    public int ProblemTimeoutMs { get; init; } = 60_000;

    /// <summary>Timeout of one <c>python program.py --test_case N</c> run inside the driver, in seconds. Default 60, as
    /// released; bounded in effect by <see cref="ProblemTimeoutMs"/>.</summary>
    public int CaseTimeoutSeconds { get; init; } = 60;

    /// <summary>Wall limit of one stdin/stdout case's execution, in ms. Default 10000 (Pony's run timeout).</summary>
    public int StdioCaseTimeoutMs { get; init; } = 10_000;

    /// <summary>Memory for the whole problem (driver, program and libraries), in MiB. Default 1024.</summary>
    public int MemoryMb { get; init; } = 1024;

    /// <summary>Size of the writable <c>/work</c> (the problem's files, results, libraries), in MiB. Default 256.</summary>
    public int ScratchMb { get; init; } = 256;

    /// <summary>Reproduce the released comparison quirks (see <see cref="AnswerComparer"/>). Default false.</summary>
    public bool ReleasedQuirks { get; init; }
}
