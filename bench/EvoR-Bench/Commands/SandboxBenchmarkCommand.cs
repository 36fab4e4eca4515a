using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvoR.Bench.Datasets;
using EvoR.Bench.Scoring;
using EvoR.Bench.Statistics;
using EvoR.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Commands;

/// <summary>
/// <c>sandbox</c>: trivial-run latency through the sandbox against a bare interpreter spawn, executions per second at
/// concurrency 1 and at the pool size, and the wall time to score every canonical HumanEval solution; then the same
/// within one trust scope, for this backend and the process backend side by side (<see cref="SandboxScopeBenchmark"/>).
/// </summary>
internal sealed class SandboxBenchmarkCommand(TimeProvider timeProvider)
{
    /// <summary>The latency goal: sandbox p50 at most this many times a bare spawn's p50.</summary>
    public const double GoalRatio = 1.3;

    private const string TrivialProgram = "pass";
    private const string DefaultPython = "/usr/bin/python3";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The <c>sandbox</c> command: typed options, its action running <see cref="RunAsync"/>.</summary>
    public static Command Build(TextWriter output, TimeProvider time)
    {
        var iterations = AtLeast("--iterations", "Timed trivial runs of each kind", 50, 1);
        var warmup = AtLeast("--warmup", "Untimed runs of each kind first", 5, 0);
        var gapMs = AtLeast("--gap-ms", "Idle time before each timed latency run, so that one run's background work (discarding its sandbox, refilling the warm pool) does not land on the next", 100, 0);
        var throughputRuns = AtLeast("--throughput-runs", "Executions per throughput measurement", 100, 1);
        var humanEval = new Option<string?>("--humaneval") { Description = "HumanEval.jsonl.gz (default: ../shared/data/humaneval/ beside the folder of EvoR.sln)" };
        var python = new Option<string>("--python") { Description = "Interpreter of the bare baseline", DefaultValueFactory = _ => DefaultPython };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this path" };
        var command = new Command("sandbox", "Sandbox latency vs a bare python3 spawn, throughput, and HumanEval canonical scoring time. " +
            "Sandbox options: --Sandbox:Key=value (or environment Sandbox__Key).")
        {
            iterations, warmup, gapMs, throughputRuns, humanEval, python, json,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parsed, ct) => new SandboxBenchmarkCommand(time).RunAsync(new SandboxBenchmarkSettings
        {
            Iterations = parsed.GetValue(iterations),
            Warmup = parsed.GetValue(warmup),
            GapMs = parsed.GetValue(gapMs),
            ThroughputRuns = parsed.GetValue(throughputRuns),
            HumanEvalPath = parsed.GetValue(humanEval),
            Python = parsed.GetValue(python)!,
            JsonPath = parsed.GetValue(json),
            ConfigurationArgs = BenchCli.ConfigurationOverrides([.. parsed.UnmatchedTokens]),
        }, output, ct));
        return command;
    }

    internal static Option<int> AtLeast(string name, string description, int defaultValue, int min)
    {
        var option = new Option<int>(name) { Description = $"{description}", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < min)
            {
                r.AddError($"Option '{name}' must be at least {min}.");
            }
        });
        return option;
    }

    public async Task<int> RunAsync(SandboxBenchmarkSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var (iterations, warmup, gapMs, throughputRuns, python, jsonPath) =
            (settings.Iterations, settings.Warmup, settings.GapMs, settings.ThroughputRuns, settings.Python, settings.JsonPath);
        var datasetPath = HumanEvalLoader.ResolvePath(settings.HumanEvalPath, Directory.GetCurrentDirectory());

        var startedAt = timeProvider.GetUtcNow();
        var loadAtStart = await ReadLoadAverageAsync(cancellationToken);
        await using var host = await BenchHost.StartAsync(BenchHost.BuildConfiguration(settings.ConfigurationArgs), cancellationToken);
        var executor = host.Executor;
        var bare = new BareProcessSpawner(python, ["-c", TrivialProgram], BareEnvironment(host.SandboxOptions));
        var health = host.Services.GetService<ISandboxHealthProbe>() is { } probe ? await probe.CheckAsync(cancellationToken) : null;

        var environment = new BenchEnvironment
        {
            Backend = executor.Backend,
            PoolSize = host.PoolSize,
            ProcessorCount = System.Environment.ProcessorCount,
            Os = RuntimeInformation.OSDescription,
            Runtime = RuntimeInformation.FrameworkDescription,
            BarePython = python,
            CgroupLimits = health?.CgroupLimits,
            SandboxPythonVersion = health?.Languages.FirstOrDefault(l => l.Name == HumanEvalRequestBuilder.Language)?.Version,
            Iterations = iterations,
            Warmup = warmup,
            GapMs = gapMs,
        };

        var dockerRun = DockerRunSpawner(host, executor.Backend);
        var latency = await MeasureLatencyAsync(executor, bare, dockerRun, iterations, warmup, gapMs, cancellationToken);
        List<ThroughputRun> throughput =
        [
            await MeasureThroughputAsync(executor, 1, throughputRuns, cancellationToken),
            await MeasureThroughputAsync(executor, host.PoolSize, throughputRuns, cancellationToken),
        ];

        HumanEvalRun? humanEval = null;
        string? skipped = null;
        if (datasetPath is null || !File.Exists(datasetPath))
        {
            skipped = datasetPath is null
                ? "no EvoR.sln above the current directory to find ../shared/data/humaneval/ from; pass --humaneval PATH"
                : $"dataset not found at {datasetPath}; pass --humaneval PATH";
        }
        else
        {
            humanEval = await ScoreHumanEvalAsync(host.Scorer, datasetPath, host.PoolSize, cancellationToken);
        }

        // Within one trust scope, on this backend and (for Docker) on the process backend in the same run, side by side.
        var scopes = new SandboxScopeBenchmark(timeProvider);
        List<ScopedBackendRun> scoped = [await scopes.MeasureAsync(host, throughputRuns, datasetPath, cancellationToken)];
        if (executor.Backend != "process")
        {
            await using var processHost = await BenchHost.StartAsync(
                BenchHost.BuildConfiguration([.. settings.ConfigurationArgs, "--Sandbox:Backend=process"]), cancellationToken);
            scoped.Insert(0, await scopes.MeasureAsync(processHost, throughputRuns, datasetPath, cancellationToken));
        }

        var report = new SandboxBenchmarkReport
        {
            Scoped = scoped,
            StartedAt = startedAt,
            Environment = environment with
            {
                LoadAverageAtStart = loadAtStart,
                LoadAverageAtEnd = await ReadLoadAverageAsync(cancellationToken),
            },
            Latency = latency,
            Throughput = throughput,
            HumanEval = humanEval,
            HumanEvalSkippedReason = skipped,
        };

        await output.WriteAsync(SandboxBenchmarkFormatter.Format(report));
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, JsonOptions), cancellationToken);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"JSON report written to {Path.GetFullPath(jsonPath)}"));
        }

        var problems = latency.SandboxNotPassed > 0 || latency.BareFailed > 0
            || throughput.Any(t => t.NotPassed > 0)
            || humanEval is { NotPassed.Count: > 0 }
            || scoped.Any(r => r.Sequential.NotPassed > 0 || r.HumanEval is { NotPassed.Count: > 0 });
        return problems ? BenchCli.ExitProblems : BenchCli.ExitOk;
    }

    /// <summary>What the bare baseline sees: the sandbox's environment allow-list plus Python's own settings from the
    /// language catalog, so that both interpreters start alike.</summary>
    private static Dictionary<string, string> BareEnvironment(SandboxOptions options)
    {
        var environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal)
        {
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["PYTHONUNBUFFERED"] = "1",
        };
        return environment;
    }

    /// <summary>On the Docker backend, <c>docker run --rm --network none &lt;python image&gt; true</c>: what a container per
    /// run costs through the CLI, without the pool. Null on other backends.</summary>
    private static (BareProcessSpawner Spawner, string Image)? DockerRunSpawner(BenchHost host, string backend)
    {
        if (backend != "docker"
            || host.Services.GetService<EvoR.Sandbox.Docker.DockerImageResolver>() is not { } images
            || host.Services.GetService<EvoR.Sandbox.Languages.LanguageCatalog>() is not { } catalog
            || !catalog.TryGet(HumanEvalRequestBuilder.Language, out var python)
            || images.ImageOf(python) is not { } image)
        {
            return null;
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
        };
        if (System.Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } dockerHost)
        {
            environment["DOCKER_HOST"] = dockerHost;
        }

        return (new BareProcessSpawner("docker", ["run", "--rm", "--network", "none", image, "true"], environment), image);
    }

    private async Task<TrivialLatency> MeasureLatencyAsync(
        ICodeExecutor executor, BareProcessSpawner bare, (BareProcessSpawner Spawner, string Image)? dockerRun,
        int iterations, int warmup, int gapMs, CancellationToken cancellationToken)
    {
        var request = new ExecutionRequest { Language = HumanEvalRequestBuilder.Language, Code = TrivialProgram };
        for (var i = 0; i < warmup; i++)
        {
            await executor.ExecuteAsync(request, cancellationToken);
            await bare.RunAsync(cancellationToken);
            if (dockerRun is { } d)
            {
                await d.Spawner.RunAsync(cancellationToken);
            }
        }

        var dockerRunMs = new List<double>(iterations);
        var dockerRunFailed = 0;
        var sandboxMs = new List<double>(iterations);
        var sandboxReportedMs = new List<double>(iterations);
        var bareMs = new List<double>(iterations);
        var sandboxNotPassed = 0;
        var bareFailed = 0;
        for (var i = 0; i < iterations; i++)
        {
            // Alternate which goes first, so that drift on a shared machine hits both series alike.
            if (i % 2 == 0)
            {
                sandboxNotPassed += await TimeSandboxAsync() ? 0 : 1;
                bareFailed += await TimeBareAsync() ? 0 : 1;
            }
            else
            {
                bareFailed += await TimeBareAsync() ? 0 : 1;
                sandboxNotPassed += await TimeSandboxAsync() ? 0 : 1;
            }

            if (dockerRun is { } d)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(gapMs), timeProvider, cancellationToken);
                var start = timeProvider.GetTimestamp();
                var exitCode = await d.Spawner.RunAsync(cancellationToken);
                dockerRunMs.Add(timeProvider.GetElapsedTime(start).TotalMilliseconds);
                dockerRunFailed += exitCode == 0 ? 0 : 1;
            }
        }

        return new TrivialLatency
        {
            Sandbox = LatencySummary.From(sandboxMs),
            Bare = LatencySummary.From(bareMs),
            SandboxReported = LatencySummary.From(sandboxReportedMs),
            SandboxNotPassed = sandboxNotPassed,
            BareFailed = bareFailed,
            GoalRatio = GoalRatio,
            DockerRun = dockerRun is { } run
                ? new DockerRunBaseline { Image = run.Image, Latency = LatencySummary.From(dockerRunMs), Failed = dockerRunFailed }
                : null,
        };

        async Task<bool> TimeSandboxAsync()
        {
            await Task.Delay(TimeSpan.FromMilliseconds(gapMs), timeProvider, cancellationToken);
            var start = timeProvider.GetTimestamp();
            var result = await executor.ExecuteAsync(request, cancellationToken);
            sandboxMs.Add(timeProvider.GetElapsedTime(start).TotalMilliseconds);
            sandboxReportedMs.Add(result.DurationMs);
            return result.Verdict == Verdict.Passed;
        }

        async Task<bool> TimeBareAsync()
        {
            await Task.Delay(TimeSpan.FromMilliseconds(gapMs), timeProvider, cancellationToken);
            var start = timeProvider.GetTimestamp();
            var exitCode = await bare.RunAsync(cancellationToken);
            bareMs.Add(timeProvider.GetElapsedTime(start).TotalMilliseconds);
            return exitCode == 0;
        }
    }

    private async Task<ThroughputRun> MeasureThroughputAsync(ICodeExecutor executor, int concurrency, int executions, CancellationToken cancellationToken)
    {
        var request = new ExecutionRequest { Language = HumanEvalRequestBuilder.Language, Code = TrivialProgram };
        var notPassed = 0;
        var start = timeProvider.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, executions),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (_, ct) =>
            {
                var result = await executor.ExecuteAsync(request, ct);
                if (result.Verdict != Verdict.Passed)
                {
                    Interlocked.Increment(ref notPassed);
                }
            });
        return new ThroughputRun
        {
            Concurrency = concurrency,
            Executions = executions,
            WallSeconds = timeProvider.GetElapsedTime(start).TotalSeconds,
            NotPassed = notPassed,
        };
    }

    internal static async Task<HumanEvalRun> ScoreHumanEvalAsync(HumanEvalScorer scorer, string datasetPath, int parallelism, CancellationToken cancellationToken)
    {
        var problems = await HumanEvalLoader.LoadAsync(datasetPath, cancellationToken);
        var report = await scorer.ScoreAsync([.. problems.Select(Candidate.Canonical)], parallelism, cancellationToken: cancellationToken);
        return new HumanEvalRun
        {
            DatasetPath = datasetPath,
            Tasks = problems.Count,
            Passed = report.PassedCount,
            Parallelism = report.Parallelism,
            WallSeconds = report.WallTime.TotalSeconds,
            TaskLatency = LatencySummary.From([.. report.Verdicts.Select(v => v.ElapsedMs)]),
            NotPassed = [.. report.NotPassed.Select(v => new HumanEvalFailure(v.TaskId, v.Verdict.ToString(), v.Result.Message, Tail(v.Result.Stderr, 300)))],
        };
    }

    private static async Task<string?> ReadLoadAverageAsync(CancellationToken cancellationToken)
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path))
        {
            return null;
        }

        var fields = (await File.ReadAllTextAsync(path, cancellationToken)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', fields.Take(3));
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];
}

/// <summary>The <c>sandbox</c> command's options.</summary>
internal sealed record SandboxBenchmarkSettings
{
    public int Iterations { get; init; } = 50;
    public int Warmup { get; init; } = 5;
    public int GapMs { get; init; } = 100;
    public int ThroughputRuns { get; init; } = 100;
    public string? HumanEvalPath { get; init; }
    public string Python { get; init; } = "/usr/bin/python3";
    public string? JsonPath { get; init; }
    public IReadOnlyList<string> ConfigurationArgs { get; init; } = [];
}
