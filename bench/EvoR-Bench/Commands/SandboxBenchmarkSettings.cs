namespace EvoR.Bench.Commands;

/// <summary>The <c>sandbox</c> command's options.</summary>
internal sealed record SandboxBenchmarkSettings
{
    public int Iterations { get; init; } = 50;
    public int Warmup { get; init; } = 5;
    public int GapMs { get; init; } = 100;
    public int ThroughputRuns { get; init; } = 100;
    public string? HumanEvalPath { get; init; }
    public string Python { get; init; } = SandboxBenchmarkCommand.DefaultPython;
    public string? JsonPath { get; init; }
    public IReadOnlyList<string> ConfigurationArgs { get; init; } = [];
}
