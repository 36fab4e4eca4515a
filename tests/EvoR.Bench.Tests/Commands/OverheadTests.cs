using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;
using EvoR.Bench.Tests.Runs;

namespace EvoR.Bench.Tests.Commands;

/// <summary>The <c>overhead</c> benchmark's arithmetic, and the command end to end on a few HumanEval problems. The
/// figures themselves are a benchmark's (bench/EvoR-Bench/README.md), never asserted here: they depend on the machine.</summary>
public sealed class OverheadTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public void Report_SandboxSlowerThanTheModel_NamesTheSandboxBoundAndTheRatio()
    {
        var report = Report(concurrency: 64, sandboxPerSecond: [10, 14], runSeconds: 50, samples: 600);

        Assert.Equal(64.0, report.ModelBound);
        Assert.Equal(12.0, report.SandboxBound, 6);
        Assert.True(report.SandboxIsTighter);
        Assert.Equal(1.0, report.Ratio, 6);
        Assert.True(report.WithinTolerance);
        var text = report.Text();
        Assert.Contains("model-latency bound :    64.00 samples/s", text, StringComparison.Ordinal);
        Assert.Contains("sandbox bound       :    12.00 samples/s", text, StringComparison.Ordinal);
        Assert.Contains("bound that held     : sandbox; measured is 100.0 % of it: within 10 %", text, StringComparison.Ordinal);
        Assert.Contains("not a model's accuracy", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_ModelSlowerThanTheSandbox_NamesTheModelBoundAndAMissBeyondTenPercent()
    {
        // 8 in flight, 2 calls a sample of 1 s: 4 samples/s at best; 3 measured is 75 %.
        var report = Report(concurrency: 8, sandboxPerSecond: [40, 40], runSeconds: 100, samples: 300, callsPerSample: 2);

        Assert.Equal(4.0, report.ModelBound);
        Assert.False(report.SandboxIsTighter);
        Assert.Equal(0.75, report.Ratio, 6);
        Assert.False(report.WithinTolerance);
        Assert.Contains("bound that held     : model latency; measured is 75.0 % of it: NOT within 10 %", report.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overhead_FewHumanEvalProblems_PrintsBothBoundsAndTheOneThatHeld()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        if (HumanEvalLoader.ResolvePath(null, Directory.GetCurrentDirectory()) is not { } path || !File.Exists(path))
        {
            Assert.Skip("HumanEval dataset not found; it lives in ../shared/data/humaneval/ beside the repository.");
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await BenchCli.RunAsync(["overhead", "--limit", "4", "--samples", "1", "--concurrency", "4", "--latency-ms", "50", .. BenchRunHarness.Common],
            output, error, TimeProvider.System, Ct);

        // Within 10 % or not depends on the machine: 0 or 1, never a usage error or a crash.
        Assert.True(exit is BenchCli.ExitOk or BenchCli.ExitProblems, error.ToString() + output);
        var text = output.ToString();
        Assert.Contains("humaneval, 4 samples of vanilla, --concurrency 4, sandbox pool 2", text, StringComparison.Ordinal);
        Assert.Contains("(4/4 passed: a harness check, not a model's accuracy)", text, StringComparison.Ordinal);
        Assert.Contains("model-latency bound :    80.00 samples/s  (4 in flight / (1 calls a sample x 0.05 s))", text, StringComparison.Ordinal);
        Assert.Contains("/ 1 executions a sample)", text, StringComparison.Ordinal);
        Assert.Matches("bound that held     : (sandbox|model latency); measured is", text);
    }

    private static OverheadReport Report(int concurrency, double[] sandboxPerSecond, double runSeconds, int samples, double callsPerSample = 1) => new()
    {
        Dataset = "humaneval",
        Method = "vanilla",
        Samples = samples,
        Concurrency = concurrency,
        SandboxPool = 2,
        ModelLatency = TimeSpan.FromSeconds(1),
        CallsPerSample = callsPerSample,
        ExecutionsPerSample = 1,
        SandboxAlone = [.. sandboxPerSecond.Select(r => new SandboxTiming(samples, TimeSpan.FromSeconds(samples / r)))],
        RunWall = TimeSpan.FromSeconds(runSeconds),
        Passed = samples,
        MeanMsOutsideModel = 100,
    };
}
