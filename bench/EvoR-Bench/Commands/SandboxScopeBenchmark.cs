using EvoR.Bench.Scoring;
using EvoR.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvoR.Bench.Commands;

/// <summary>
/// The <c>sandbox</c> command's measurements within one trust scope (<see cref="ICodeExecutor.OpenScope"/>), where the
/// Docker backend reuses a verified-clean container between runs: sequential trivial runs in one scope, and HumanEval's
/// canonical solutions scored as one batch (one scope, the pool's parallelism). With <c>--Sandbox:Backend=docker</c> the
/// command measures the process backend the same way in the same run, side by side.
/// </summary>
internal sealed class SandboxScopeBenchmark(TimeProvider timeProvider)
{
    /// <summary>Goal: Docker's sequential throughput within a scope at least this fraction of the process backend's.</summary>
    public const double GoalThroughputRatio = 0.5;

    /// <summary>Goal: HumanEval as one batch on Docker in at most this many times the process backend's wall time.</summary>
    public const double GoalHumanEvalRatio = 2.0;

    private const int WarmupRuns = 3;

    public async Task<ScopedBackendRun> MeasureAsync(BenchHost host, int runs, string? humanEvalPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var executor = host.Executor;
        ThroughputRun sequential;
        await using (var scope = executor.OpenScope())
        {
            var request = TrivialRunTimings.Request();
            for (var i = 0; i < WarmupRuns; i++)
            {
                await scope.ExecuteAsync(request, cancellationToken);
            }

            var notPassed = 0;
            var start = timeProvider.GetTimestamp();
            for (var i = 0; i < runs; i++)
            {
                notPassed += (await scope.ExecuteAsync(request, cancellationToken)).Verdict == Verdict.Passed ? 0 : 1;
            }

            sequential = new ThroughputRun
            {
                Concurrency = 1,
                Executions = runs,
                WallSeconds = timeProvider.GetElapsedTime(start).TotalSeconds,
                NotPassed = notPassed,
            };
        }

        HumanEvalRun? humanEval = null;
        if (humanEvalPath is not null && File.Exists(humanEvalPath))
        {
            await using var batch = executor.OpenScope();
            var scorer = new HumanEvalScorer(batch, timeProvider, host.Services.GetRequiredService<ILogger<HumanEvalScorer>>());
            humanEval = await CanonicalHumanEval.ScoreAsync(scorer, humanEvalPath, host.PoolSize, cancellationToken);
        }

        return new ScopedBackendRun { Backend = executor.Backend, Sequential = sequential, HumanEval = humanEval };
    }
}
