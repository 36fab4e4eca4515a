using EvoR.Bench.Commands;
using EvoR.Bench.Statistics;

namespace EvoR.Bench.Tests.Commands;

public sealed class SandboxBenchmarkFormatterTests
{
    [Theory]
    [InlineData(12.0, "p50: met  p95: met")]
    [InlineData(14.0, "p50: NOT met  p95: NOT met")]
    public void Format_LatencyRatio_StatesWhetherTheGoalWasMet(double sandboxMs, string expected)
    {
        var text = SandboxBenchmarkFormatter.Format(Report(sandboxMs, humanEval: null));

        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.Contains("goal: ratio <= 1.3x", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_HumanEvalSkipped_SaysWhy()
    {
        var text = SandboxBenchmarkFormatter.Format(Report(12, humanEval: null) with { HumanEvalSkippedReason = "dataset not found at /x" });

        Assert.Contains("HumanEval canonical solutions: skipped (dataset not found at /x)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_HumanEvalFailure_NamesTheTaskAndVerdict()
    {
        var humanEval = new HumanEvalRun
        {
            DatasetPath = "/d",
            Tasks = 164,
            Passed = 163,
            Parallelism = 2,
            WallSeconds = 8.2,
            TaskLatency = new LatencySummary(164, 1, 2, 3, 4, 2),
            NotPassed = [new HumanEvalFailure("HumanEval/7", "TimeLimitExceeded", "Ran past 5000 ms.", "")],
        };

        var text = SandboxBenchmarkFormatter.Format(Report(12, humanEval));

        Assert.Contains("NOT PASSED HumanEval/7: TimeLimitExceeded: Ran past 5000 ms.", text, StringComparison.Ordinal);
        Assert.Contains("164     163      8.20      20.0", text, StringComparison.Ordinal);
    }

    private static SandboxBenchmarkReport Report(double sandboxMs, HumanEvalRun? humanEval) => new()
    {
        StartedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Environment = new BenchEnvironment
        {
            Backend = "process",
            PoolSize = 2,
            ProcessorCount = 2,
            Os = "Linux",
            Runtime = ".NET 10",
            BarePython = "/usr/bin/python3",
            Iterations = 3,
            Warmup = 1,
        },
        Latency = new TrivialLatency
        {
            Sandbox = LatencySummary.From([sandboxMs]),
            Bare = LatencySummary.From([10.0]),
            SandboxReported = LatencySummary.From([sandboxMs - 1]),
            SandboxNotPassed = 0,
            BareFailed = 0,
            GoalRatio = 1.3,
        },
        Throughput =
        [
            new ThroughputRun { Concurrency = 1, Executions = 10, WallSeconds = 1, NotPassed = 0 },
            new ThroughputRun { Concurrency = 2, Executions = 10, WallSeconds = 0.5, NotPassed = 0 },
        ],
        HumanEval = humanEval,
    };
}
