using EvoR.Bench.Statistics;

namespace EvoR.Bench.Commands;

/// <summary>Everything the <c>sandbox</c> command measured in one run; written as JSON by <c>--json</c>.</summary>
internal sealed record SandboxBenchmarkReport
{
    public required DateTimeOffset StartedAt { get; init; }
    public required BenchEnvironment Environment { get; init; }
    public required TrivialLatency Latency { get; init; }
    public required IReadOnlyList<ThroughputRun> Throughput { get; init; }

    /// <summary>Null when the dataset was not found (see <see cref="HumanEvalSkippedReason"/>).</summary>
    public HumanEvalRun? HumanEval { get; init; }

    public string? HumanEvalSkippedReason { get; init; }

    /// <summary>Measurements within one trust scope: the process backend first when the command ran another backend.</summary>
    public IReadOnlyList<ScopedBackendRun> Scoped { get; init; } = [];
}

/// <summary>Where the figures were taken.</summary>
internal sealed record BenchEnvironment
{
    public required string Backend { get; init; }
    public required int PoolSize { get; init; }
    public required int ProcessorCount { get; init; }
    public required string Os { get; init; }
    public required string Runtime { get; init; }
    public required string BarePython { get; init; }
    public bool? CgroupLimits { get; init; }
    public string? SandboxPythonVersion { get; init; }
    public required int Iterations { get; init; }
    public required int Warmup { get; init; }

    /// <summary>Idle milliseconds before each timed latency run (both kinds alike).</summary>
    public int GapMs { get; init; }

    /// <summary>1, 5 and 15-minute load averages (<c>/proc/loadavg</c>) when the run started and ended; a shared
    /// machine's load moves every figure.</summary>
    public string? LoadAverageAtStart { get; init; }

    public string? LoadAverageAtEnd { get; init; }
}

/// <summary>Latency of a trivial program (<c>pass</c>) through the sandbox and as a bare process spawn.</summary>
internal sealed record TrivialLatency
{
    public required LatencySummary Sandbox { get; init; }
    public required LatencySummary Bare { get; init; }

    /// <summary>The run's duration as the sandbox reports it (<see cref="EvoR.Sandbox.ExecutionResult.DurationMs"/>, whole
    /// milliseconds): the run as the executor timed it, without request validation and the wait for a pool slot.</summary>
    public required LatencySummary SandboxReported { get; init; }

    /// <summary>Sandbox runs whose verdict was not Passed (each still timed).</summary>
    public required int SandboxNotPassed { get; init; }

    /// <summary>Bare runs that exited non-zero.</summary>
    public required int BareFailed { get; init; }

    public required double GoalRatio { get; init; }

    public double RatioP50 => Sandbox.P50Ms / Bare.P50Ms;
    public double RatioP95 => Sandbox.P95Ms / Bare.P95Ms;
    public bool GoalMetP50 => RatioP50 <= GoalRatio;
    public bool GoalMetP95 => RatioP95 <= GoalRatio;

    /// <summary>Docker backend only: <c>docker run --rm &lt;image&gt; true</c> with the Python sandbox image, measured in
    /// the same run (alternated with the sandbox runs), the floor a container per run costs without the pool.</summary>
    public DockerRunBaseline? DockerRun { get; init; }
}

/// <summary>The <c>docker run --rm</c> baseline of the Docker backend, and its p50 goal with the pool.</summary>
internal sealed record DockerRunBaseline
{
    /// <summary>The goal for the Docker backend's trivial-run p50 with the pool, in milliseconds.</summary>
    public const double GoalP50Ms = 150;

    public required string Image { get; init; }
    public required LatencySummary Latency { get; init; }

    /// <summary>Runs that exited non-zero (or could not start).</summary>
    public required int Failed { get; init; }
}

/// <summary>Trivial executions pushed through the sandbox by <see cref="Concurrency"/> closed-loop workers.</summary>
internal sealed record ThroughputRun
{
    public required int Concurrency { get; init; }
    public required int Executions { get; init; }
    public required double WallSeconds { get; init; }
    public required int NotPassed { get; init; }
    public double ExecutionsPerSecond => Executions / WallSeconds;
}

/// <summary>All canonical HumanEval solutions scored through the sandbox.</summary>
internal sealed record HumanEvalRun
{
    public required string DatasetPath { get; init; }
    public required int Tasks { get; init; }
    public required int Passed { get; init; }
    public required int Parallelism { get; init; }
    public required double WallSeconds { get; init; }
    public required LatencySummary TaskLatency { get; init; }
    public required IReadOnlyList<HumanEvalFailure> NotPassed { get; init; }
}

/// <summary>A canonical solution the sandbox did not pass, and why.</summary>
internal sealed record HumanEvalFailure(string TaskId, string Verdict, string? Message, string StderrTail);

/// <summary>One backend within one trust scope: sequential trivial runs, and HumanEval scored as one batch.</summary>
internal sealed record ScopedBackendRun
{
    public required string Backend { get; init; }
    public required ThroughputRun Sequential { get; init; }
    public HumanEvalRun? HumanEval { get; init; }
}
