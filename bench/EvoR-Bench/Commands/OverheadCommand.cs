using System.CommandLine;
using EvoR.Bench.Datasets;
using EvoR.Bench.Runs;
using EvoR.Llm;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EvoR.Bench.Commands;

/// <summary>
/// <c>overhead</c>: a benchmark (not a test) of the runner's own overhead. The real <see cref="BenchRunner"/> runs a
/// method whose scripted model waits a fixed latency per call and answers the reference solution; the same scoring
/// executions also run through the sandbox alone, in the same process and pool. It prints the model-latency bound, the
/// sandbox bound, the samples per second measured, which bound held, and the time per sample outside the model.
/// Exit 0 when within <see cref="OverheadReport.Tolerance"/> of the tighter bound, else 1.
/// </summary>
internal static class OverheadCommand
{
    public static Command Build(TextWriter output, TimeProvider time)
    {
        var dataset = new Option<string>("--dataset") { Description = "A dataset with reference solutions (default humaneval)", DefaultValueFactory = _ => HumanEvalDataset.DatasetName };
        var method = new Option<string>("--method") { Description = "The method run (default vanilla: one model call a sample)", DefaultValueFactory = _ => "vanilla" };
        var concurrency = CommandOptions.AtLeast("--concurrency", "Samples in flight at once", 64, 1);
        var latency = CommandOptions.AtLeast("--latency-ms", "The scripted model's wait per call", 1000, 0);
        var samples = CommandOptions.AtLeast("--samples", "Samples per problem (3: about 500 samples of HumanEval, so that the first wait for the model weighs little)", 3, 1);
        var limit = new Option<int?>("--limit") { Description = "Only the first N problems" };
        var command = new Command("overhead", "Benchmark the runner's own overhead: a scripted model that waits --latency-ms a call and answers the " +
            "reference, at --concurrency; prints the model-latency and sandbox bounds and the samples/s measured. Sandbox options: --Sandbox:Key=value.")
        {
            dataset, method, concurrency, latency, samples, limit,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parsed, ct) =>
        {
            var report = await RunAsync(new OverheadSettings
            {
                Dataset = parsed.GetValue(dataset)!,
                Method = parsed.GetValue(method)!.ToLowerInvariant(),
                Concurrency = parsed.GetValue(concurrency),
                Latency = TimeSpan.FromMilliseconds(parsed.GetValue(latency)),
                Samples = parsed.GetValue(samples),
                Limit = parsed.GetValue(limit),
                Overrides = BenchCli.ConfigurationOverrides([.. parsed.UnmatchedTokens]),
            }, time, ct);
            await output.WriteAsync(report.Text());
            return report.WithinTolerance ? BenchCli.ExitOk : BenchCli.ExitProblems;
        });
        return command;
    }

    public static async Task<OverheadReport> RunAsync(OverheadSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var data = await DatasetResolver.ResolveAsync(settings.Dataset, cancellationToken);
        var problems = BenchRunner.Problems(data, settings.Limit);
        if (problems.Any(p => p.Reference is null))
        {
            throw new ArgumentException($"Dataset {data.Name} has problems without a reference solution; the overhead model answers references.");
        }

        var folder = Directory.CreateTempSubdirectory("evor-bench-overhead-").FullName;
        try
        {
            var model = new ReferenceAfterDelayModel(problems, settings.Latency);
            string[] defaults = [$"--Knowledge:RootPath={Path.Combine(folder, "knowledge")}", "--Embeddings:Enabled=false"];
            await using var host = await BenchHost.StartAsync(BenchHost.BuildConfiguration([.. defaults, .. settings.Overrides]), withPipeline: true, services =>
            {
                services.AddEvoRLlmProvider("scripted", "reference-after-delay", _ => model);
                services.Replace(ServiceDescriptor.Singleton<ICodeExecutor>(sp => new CountingExecutor(sp.GetRequiredService<EvoR.Sandbox.Execution.CodeExecutor>())));
            }, cancellationToken);
            var executor = (CountingExecutor)host.Executor;
            var scorer = host.Services.GetRequiredService<HiddenTestScorer>();

            // The sandbox alone: every sample's scoring execution, as many at once as the run will have, once before
            // the run and once after it (a machine shared with other work drifts; the bound is their mean). A warm-up of
            // one pool's worth first, so that no measurement pays the first starts.
            var programs = Enumerable.Range(0, settings.Samples).SelectMany(_ => problems).ToList();
            await ScoreAllAsync(programs.Take(host.PoolSize).ToList(), host, scorer, settings.Concurrency, cancellationToken);
            var sandboxBefore = await TimeSandboxAsync(programs, host, scorer, executor, settings.Concurrency, time, cancellationToken);

            // The real runner, same process, same pool.
            var before = executor.Executions;
            var calls = model.Calls;
            var options = new BenchRunOptions
            {
                Datasets = [data], Methods = [settings.Method], OutputDirectory = Path.Combine(folder, "run"), Concurrency = settings.Concurrency,
                Limit = settings.Limit, Samples = settings.Samples, RunId = "overhead",
            };
            var started = time.GetTimestamp();
            await host.Runner.RunAsync(options, new NoProgress(), cancellationToken);
            var runWall = time.GetElapsedTime(started);
            var runExecutions = executor.Executions - before;
            var sandboxAfter = await TimeSandboxAsync(programs, host, scorer, executor, settings.Concurrency, time, cancellationToken);
            var records = (await BenchJson.ReadSamplesAsync(Path.Combine(options.OutputDirectory, BenchRunner.SamplesFile), cancellationToken)).Values.ToList();
            return new OverheadReport
            {
                Dataset = data.Name,
                Method = settings.Method,
                Samples = records.Count,
                Concurrency = settings.Concurrency,
                SandboxPool = host.PoolSize,
                ModelLatency = settings.Latency,
                CallsPerSample = (double)(model.Calls - calls) / records.Count,
                ExecutionsPerSample = (double)runExecutions / records.Count,
                SandboxAlone = [sandboxBefore, sandboxAfter],
                RunWall = runWall,
                Passed = records.Count(r => r.Passed),
                MeanMsOutsideModel = records.Average(r => r.ElapsedMs - r.Rounds.Sum(x => x.GenerationMs) + r.ScoringMs),
            };
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<SandboxTiming> TimeSandboxAsync(IReadOnlyList<BenchProblem> programs, BenchHost host, HiddenTestScorer scorer,
        CountingExecutor executor, int concurrency, TimeProvider time, CancellationToken cancellationToken)
    {
        var before = executor.Executions;
        var started = time.GetTimestamp();
        await ScoreAllAsync(programs, host, scorer, concurrency, cancellationToken);
        return new SandboxTiming((int)(executor.Executions - before), time.GetElapsedTime(started));
    }

    /// <summary>Scores each problem's reference as the runner scores an answer (a full pool is asked again).</summary>
    private static Task ScoreAllAsync(IReadOnlyList<BenchProblem> problems, BenchHost host, HiddenTestScorer scorer, int concurrency, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(problems, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (problem, ct) =>
        {
            var generation = problem.ToGenerationProblem();
            var program = generation.Assemble(problem.Reference!);
            while (true)
            {
                try
                {
                    _ = problem.ScoreProgram is { } own ? await own(host.Executor, program, ct) : await scorer.ScoreAsync(generation, program, ct);
                    return;
                }
                catch (SandboxBusyException ex)
                {
                    await Task.Delay(ex.RetryAfter > TimeSpan.Zero ? ex.RetryAfter : TimeSpan.FromMilliseconds(100), ct);
                }
            }
        });
}

internal sealed record OverheadSettings
{
    public required string Dataset { get; init; }
    public required string Method { get; init; }
    public required int Concurrency { get; init; }
    public required TimeSpan Latency { get; init; }
    public required int Samples { get; init; }
    public int? Limit { get; init; }
    public IReadOnlyList<string> Overrides { get; init; } = [];
}
