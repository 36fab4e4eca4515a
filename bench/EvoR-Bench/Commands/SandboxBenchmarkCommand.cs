using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvoR.Bench.Datasets;
using EvoR.Bench.Scoring;
using EvoR.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Commands;

/// <summary>
/// <c>sandbox</c>: trivial-run latency through the sandbox against a bare interpreter spawn, executions per second at
/// concurrency 1 and at the pool size, and the wall time to score every canonical HumanEval solution; then the same
/// within one trust scope, for this backend and the process backend side by side (<see cref="SandboxScopeBenchmark"/>).
/// </summary>
/// <remarks>This class parses the options, starts the sandbox and puts the report together; the timings are
/// <see cref="TrivialRunTimings"/> and <see cref="CanonicalHumanEval"/>.</remarks>
internal sealed class SandboxBenchmarkCommand(TimeProvider timeProvider)
{
    /// <summary>The bare baseline's interpreter unless <c>--python</c> names another.</summary>
    public const string DefaultPython = "/usr/bin/python3";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The <c>sandbox</c> command: typed options, its action running <see cref="RunAsync"/>.</summary>
    public static Command Build(TextWriter output, TimeProvider time)
    {
        var iterations = CommandOptions.AtLeast("--iterations", "Timed trivial runs of each kind", 50, 1);
        var warmup = CommandOptions.AtLeast("--warmup", "Untimed runs of each kind first", 5, 0);
        var gapMs = CommandOptions.AtLeast("--gap-ms", "Idle time before each timed latency run, so that one run's background work (discarding its sandbox, refilling the warm pool) does not land on the next", 100, 0);
        var throughputRuns = CommandOptions.AtLeast("--throughput-runs", "Executions per throughput measurement", 100, 1);
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
        var bare = TrivialRunTimings.Bare(python, host.SandboxOptions);
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

        var timings = new TrivialRunTimings(timeProvider);
        var dockerRun = TrivialRunTimings.DockerRun(host, executor.Backend);
        var latency = await timings.MeasureLatencyAsync(executor, bare, dockerRun, iterations, warmup, gapMs, cancellationToken);
        List<ThroughputRun> throughput =
        [
            await timings.MeasureThroughputAsync(executor, 1, throughputRuns, cancellationToken),
            await timings.MeasureThroughputAsync(executor, host.PoolSize, throughputRuns, cancellationToken),
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
            humanEval = await CanonicalHumanEval.ScoreAsync(host.Scorer, datasetPath, host.PoolSize, cancellationToken);
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
}
