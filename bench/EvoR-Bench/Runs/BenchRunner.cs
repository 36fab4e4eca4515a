using EvoR.Bench.Datasets;
using EvoR.Llm.Configuration;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Bench.Runs;

/// <summary>
/// Runs methods × datasets in-process: the pipeline's own <see cref="MethodRunner"/>, sandbox and knowledge bases.
/// Every finished sample is appended at once to <c>samples.jsonl</c> (in the run scope, every finished group of them);
/// a rerun with the same folder continues and never redoes a finished sample (group). The summary is computed from
/// <c>samples.jsonl</c> alone, so a resumed run ends with the same summary as an uninterrupted one.
/// </summary>
/// <remarks>This class orders the work; what is left to do is <see cref="RunPlan"/>, one sample is
/// <see cref="SampleRunner"/>, the file of record is <see cref="SamplesLog"/>.</remarks>
internal sealed class BenchRunner(
    MethodRunner runner,
    HiddenTestScorer scorer,
    IKnowledgeBaseStore store,
    ICodeExecutor executor,
    ILlmAvailability llm,
    Microsoft.Extensions.Options.IOptions<EvoROptions> loop,
    TimeProvider time,
    ISampleGenerator? generator = null)
{
    // In-process unless a service generator is registered (run --service).
    private readonly ISampleGenerator _generator = generator ?? new InProcessSampleGenerator(runner);

    public const string Reference = "reference";
    public const string Empty = "empty";
    public const string SamplesFile = "samples.jsonl";
    public const string RunFile = "run.json";

    /// <summary>Every method name a run accepts: the catalog's and the two pseudo-methods.</summary>
    public IReadOnlyList<string> KnownMethods => [.. runner.Methods.Keys.Order(StringComparer.Ordinal), Reference, Empty];

    /// <summary>The problems a run covers of <paramref name="dataset"/>: the first <paramref name="limit"/>, or all.</summary>
    internal static IReadOnlyList<BenchProblem> Problems(IBenchDataset dataset, int? limit) =>
        limit is { } n ? [.. dataset.Problems.Take(n)] : dataset.Problems;

    /// <exception cref="ArgumentException">An unknown method, or a folder holding another run's datasets.</exception>
    public async Task<RunSummary> RunAsync(BenchRunOptions options, IRunProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        // Before any work: a method the generator (this process, or the service) does not run is refused.
        var methods = await _generator.MethodsAsync(cancellationToken);
        var unknown = options.Methods.Where(m => m is not Reference and not Empty && !methods.Contains(m)).ToList();
        if (unknown.Count > 0)
        {
            var where = _generator.Service is { } service ? $" by the service at {service}" : "";
            throw new ArgumentException($"Unknown method(s) {string.Join(", ", unknown)}{where}; known: {string.Join(", ", [.. methods.Order(StringComparer.Ordinal), Reference, Empty])}.");
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var started = time.GetUtcNow();
        var runInfo = await RunInfo.PrepareAsync(options, llm, loop.Value, executor.Backend, started, cancellationToken);
        var log = SamplesLog.Open(options.OutputDirectory);
        var done = await log.ReadAsync(cancellationToken);
        var plan = RunPlan.Make(options, done, progress);

        var bases = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var dataset in options.Datasets)
        {
            bases[dataset.Name] = _generator.Service is null || dataset.Documents.Count == 0
                ? await BenchKnowledgeBases.EnsureAsync(store, dataset, cancellationToken)
                : await _generator.EnsureKnowledgeBaseAsync(BenchKnowledgeBases.Name(dataset), dataset, cancellationToken);
        }

        var run = new RunState(options, runInfo.RunId, bases, log, new TokenBudget(options.MaxTokens, done), new InFlightSamples(time), progress,
            new SampleRunner(_generator, store, new SampleScorer(scorer, executor, time), time));
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = run.InFlight.WatchAsync(options.StallAfter, progress, stopWatching.Token);
        try
        {
            if (options.KnowledgeScope == KnowledgeScope.Run)
            {
                await RunGroupsAsync(plan.Groups, run, cancellationToken);
            }

            await Parallel.ForEachAsync(plan.Work, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    if (run.Budget.Exhausted)
                    {
                        // The budget is spent: this sample stays unrun (counted as "not run", never dropped).
                        return;
                    }

                    await run.InFlight.TrackAsync(InFlightSamples.Name(item.Dataset.Name, item.Method, item.Problem.Id, item.Sample), async () =>
                    {
                        var record = await run.Samples.RunAsync(item.Dataset, item.Method, item.Problem, item.Sample, run.RunId, bases[item.Dataset.Name], null, ct);
                        await run.FinishedAsync(record, ct);
                        return record;
                    });
                });
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watcher;
        }

        var final = await log.ReadAsync(cancellationToken);
        var summary = RunSummary.Build(runInfo.RunId, options, final.Values);
        await runInfo.WriteAsync(options.OutputDirectory, time.GetUtcNow(), summary.Scripted, cancellationToken);
        await SummaryWriter.WriteAsync(options.OutputDirectory, summary, cancellationToken);
        await HtmlReport.WriteAsync(options.OutputDirectory, summary, final.Values, cancellationToken);
        return summary;
    }

    /// <summary>
    /// The run scope: groups in order, up to <see cref="BenchRunOptions.Concurrency"/> at once and as many samples in work
    /// at once over all of them. A group starts only while the token budget lasts; its samples are appended, in problem
    /// order, once the whole group finished.
    /// </summary>
    private async Task RunGroupsAsync(IReadOnlyList<SampleGroup> groups, RunState run, CancellationToken cancellationToken)
    {
        var shared = new SharedKnowledgeGroups(store);
        using var slots = new SemaphoreSlim(run.Options.Concurrency, run.Options.Concurrency);
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = run.Options.Concurrency, CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                if (run.Budget.Exhausted)
                {
                    return;
                }

                var knowledgeBase = run.Bases[group.Dataset.Name];
                var records = await shared.RunAsync(group, run.RunId, knowledgeBase, slots, (problem, knowledge, token) =>
                    run.InFlight.TrackAsync(InFlightSamples.Name(group.Dataset.Name, group.Method, problem.Id, group.Sample),
                        () => run.Samples.RunAsync(group.Dataset, group.Method, problem, group.Sample, run.RunId, knowledgeBase, knowledge, token)), ct);
                foreach (var record in records)
                {
                    await run.FinishedAsync(record, ct);
                }
            });
    }

    /// <summary>What every sample of one <see cref="RunAsync"/> call shares.</summary>
    private sealed record RunState(BenchRunOptions Options, string RunId, IReadOnlyDictionary<string, string?> Bases, SamplesLog Log,
        TokenBudget Budget, InFlightSamples InFlight, IRunProgress Progress, SampleRunner Samples)
    {
        /// <summary>A finished sample: appended to <c>samples.jsonl</c>, counted against the budget, then reported.</summary>
        public async Task FinishedAsync(SampleRecord record, CancellationToken cancellationToken)
        {
            await Log.AppendAsync(record, cancellationToken);
            Budget.Count(record);
            Progress.Finished(record);
        }
    }
}
