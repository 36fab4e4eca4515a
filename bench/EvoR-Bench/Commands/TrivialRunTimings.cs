using EvoR.Bench.Scoring;
using EvoR.Bench.Statistics;
using EvoR.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Commands;

/// <summary>
/// The <c>sandbox</c> command's timings of a trivial program (<c>pass</c>), where nearly all the time is the sandbox's
/// own: latency through the sandbox against a bare interpreter spawn (and, on Docker, a plain <c>docker run</c>), and
/// executions per second at a given concurrency.
/// </summary>
internal sealed class TrivialRunTimings(TimeProvider timeProvider)
{
    /// <summary>The latency goal: sandbox p50 at most this many times a bare spawn's p50.</summary>
    public const double GoalRatio = 1.3;

    private const string TrivialProgram = "pass";

    /// <summary>The trivial program as a sandbox request.</summary>
    public static ExecutionRequest Request() => new() { Language = HumanEvalRequestBuilder.Language, Code = TrivialProgram };

    /// <summary>The bare baseline: <paramref name="python"/> running the trivial program with what the sandbox's
    /// interpreter sees, the sandbox's environment allow-list plus Python's own settings from the language catalog, so
    /// that both interpreters start alike.</summary>
    public static BareProcessSpawner Bare(string python, SandboxOptions options)
    {
        var environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal)
        {
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["PYTHONUNBUFFERED"] = "1",
        };
        return new BareProcessSpawner(python, ["-c", TrivialProgram], environment);
    }

    /// <summary>On the Docker backend, <c>docker run --rm --network none &lt;python image&gt; true</c>: what a container per
    /// run costs through the CLI, without the pool. Null on other backends.</summary>
    public static (BareProcessSpawner Spawner, string Image)? DockerRun(BenchHost host, string backend)
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

    /// <summary><paramref name="warmup"/> untimed rounds, then <paramref name="iterations"/> timed ones, each run after
    /// <paramref name="gapMs"/> of idle time.</summary>
    public async Task<TrivialLatency> MeasureLatencyAsync(
        ICodeExecutor executor, BareProcessSpawner bare, (BareProcessSpawner Spawner, string Image)? dockerRun,
        int iterations, int warmup, int gapMs, CancellationToken cancellationToken)
    {
        var request = Request();
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

    /// <summary><paramref name="executions"/> trivial runs, <paramref name="concurrency"/> at a time, timed as a whole.</summary>
    public async Task<ThroughputRun> MeasureThroughputAsync(ICodeExecutor executor, int concurrency, int executions, CancellationToken cancellationToken)
    {
        var request = Request();
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
}
