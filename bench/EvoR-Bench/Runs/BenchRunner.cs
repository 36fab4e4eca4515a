using System.Text.Json;
using EvoR.Bench.Datasets;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Bench.Runs;

/// <summary>What one <c>run</c> does: which datasets and methods, where to, how wide.</summary>
internal sealed record BenchRunOptions
{
    public required IReadOnlyList<IBenchDataset> Datasets { get; init; }
    public required IReadOnlyList<string> Methods { get; init; }
    public required string OutputDirectory { get; init; }

    /// <summary>Samples in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>What the evolving overlay is shared by: each problem (default), or each dataset × method on a synchronous
    /// round schedule (<see cref="SharedKnowledgeGroups"/>).</summary>
    public KnowledgeScope KnowledgeScope { get; init; } = KnowledgeScope.Problem;

    /// <summary>The first N problems of each dataset; null: all.</summary>
    public int? Limit { get; init; }

    /// <summary>Samples per problem; more than 1 gives unbiased pass@k.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Run again the samples whose failure was the model's call or the infrastructure.</summary>
    public bool RetryFailed { get; init; }

    /// <summary>Null: the run id of an existing <c>run.json</c> in the folder, else a new one.</summary>
    public string? RunId { get; init; }

    /// <summary>A sample in flight this long is named in a liveness warning (as EvalPlus does); checked every half of it.</summary>
    public TimeSpan StallAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Run-wide token budget (in + out, over every sample in <c>samples.jsonl</c>): once reached, no new sample
    /// starts (those in flight finish); the rest count as not run. Null: no budget.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>USD per million input tokens; with <see cref="PriceOutPerMTok"/>, gives each cell's cost. Null: no cost.</summary>
    public double? PriceInPerMTok { get; init; }

    /// <summary>USD per million output tokens.</summary>
    public double? PriceOutPerMTok { get; init; }

    /// <summary>Extra facts for <c>run.json</c> (the cassette mode, the command line).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// Runs methods × datasets in-process: the pipeline's own <see cref="MethodRunner"/>, sandbox and knowledge bases.
/// Every finished sample is appended at once to <c>samples.jsonl</c> (in the run scope, every finished group of them);
/// a rerun with the same folder continues and never redoes a finished sample (group). The summary is computed from
/// <c>samples.jsonl</c> alone, so a resumed run ends with the same summary as an uninterrupted one.
/// </summary>
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

    private readonly SemaphoreSlim _write = new(1, 1);

    /// <summary>Every method name a run accepts: the catalog's and the two pseudo-methods.</summary>
    public IReadOnlyList<string> KnownMethods => [.. runner.Methods.Keys.Order(StringComparer.Ordinal), Reference, Empty];

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
        var samplesPath = Path.Combine(options.OutputDirectory, SamplesFile);
        EnsureEndsWithNewline(samplesPath);
        var done = await BenchJson.ReadSamplesAsync(samplesPath, cancellationToken);

        var work = new List<(IBenchDataset Dataset, string Method, BenchProblem Problem, int Sample)>();
        var groups = options.KnowledgeScope == KnowledgeScope.Run ? SharedKnowledgeGroups.Pending(options, done) : [];
        foreach (var dataset in options.Datasets)
        {
            foreach (var method in options.Methods)
            {
                var problems = Problems(dataset, options.Limit);
                var pending = 0;
                if (options.KnowledgeScope == KnowledgeScope.Run)
                {
                    // A group not wholly done is redone whole: none of its earlier lines count as done.
                    var redone = groups.Where(g => g.Dataset == dataset && g.Method == method).ToList();
                    pending = redone.Sum(g => g.Problems.Count);
                    progress.Planned(dataset.Name, method, problems.Count * options.Samples, problems.Count * options.Samples - pending,
                        done.Values.Count(r => r.Dataset == dataset.Name && r.Method == method && r.Passed && redone.All(g => g.Sample != r.Sample)));
                    continue;
                }

                foreach (var problem in problems)
                {
                    for (var s = 0; s < options.Samples; s++)
                    {
                        var key = SampleRecord.SampleKey(dataset.Name, method, problem.Id, s);
                        if (done.TryGetValue(key, out var record) && !(options.RetryFailed && FailureClasses.Retryable(record.Failure)))
                        {
                            continue;
                        }

                        work.Add((dataset, method, problem, s));
                        pending++;
                    }
                }

                progress.Planned(dataset.Name, method, problems.Count * options.Samples, problems.Count * options.Samples - pending,
                    done.Values.Count(r => r.Dataset == dataset.Name && r.Method == method && r.Passed));
            }
        }

        var bases = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var dataset in options.Datasets)
        {
            bases[dataset.Name] = _generator.Service is null || dataset.Documents.Count == 0
                ? await EnsureKnowledgeBaseAsync(dataset, cancellationToken)
                : await _generator.EnsureKnowledgeBaseAsync(KnowledgeBaseName(dataset), dataset, cancellationToken);
        }

        // The run's tokens so far: every sample already in samples.jsonl, then each one as it finishes (a retried
        // sample's new tokens replace its old ones, as in the summary).
        var spent = new System.Runtime.CompilerServices.StrongBox<long>(done.Values.Sum(r => r.TokensIn + r.TokensOut));
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = WatchAsync(inFlight, options.StallAfter, progress, stopWatching.Token);
        try
        {
            if (options.KnowledgeScope == KnowledgeScope.Run)
            {
                await RunGroupsAsync(groups, options, runInfo.RunId, bases, samplesPath, done, spent, inFlight, progress, cancellationToken);
            }

            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    if (options.MaxTokens is { } max && Interlocked.Read(ref spent.Value) >= max)
                    {
                        // The budget is spent: this sample stays unrun (counted as "not run", never dropped).
                        return;
                    }

                    var name = $"{item.Dataset.Name}/{item.Method}/{item.Problem.Id}" + (item.Sample > 0 ? $"#{item.Sample}" : "");
                    inFlight[name] = time.GetTimestamp();
                    try
                    {
                        var record = await RunSampleAsync(item.Dataset, item.Method, item.Problem, item.Sample, runInfo.RunId, bases[item.Dataset.Name], null, ct);
                        await AppendAsync(samplesPath, record, ct);
                        var replaced = done.TryGetValue(record.Key, out var old) ? old.TokensIn + old.TokensOut : 0;
                        Interlocked.Add(ref spent.Value, record.TokensIn + record.TokensOut - replaced);
                        progress.Finished(record);
                    }
                    finally
                    {
                        inFlight.TryRemove(name, out _);
                    }
                });
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watcher;
        }

        var final = await BenchJson.ReadSamplesAsync(samplesPath, cancellationToken);
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
    private async Task RunGroupsAsync(IReadOnlyList<SampleGroup> groups, BenchRunOptions options, string runId, Dictionary<string, string?> bases,
        string samplesPath, Dictionary<string, SampleRecord> done, System.Runtime.CompilerServices.StrongBox<long> spent,
        System.Collections.Concurrent.ConcurrentDictionary<string, long> inFlight, IRunProgress progress, CancellationToken cancellationToken)
    {
        var shared = new SharedKnowledgeGroups(store);
        using var slots = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                if (options.MaxTokens is { } max && Interlocked.Read(ref spent.Value) >= max)
                {
                    return;
                }

                var records = await shared.RunAsync(group, runId, bases[group.Dataset.Name], slots, async (problem, knowledge, token) =>
                {
                    var name = $"{group.Dataset.Name}/{group.Method}/{problem.Id}" + (group.Sample > 0 ? $"#{group.Sample}" : "");
                    inFlight[name] = time.GetTimestamp();
                    try
                    {
                        return await RunSampleAsync(group.Dataset, group.Method, problem, group.Sample, runId, bases[group.Dataset.Name], knowledge, token);
                    }
                    finally
                    {
                        inFlight.TryRemove(name, out _);
                    }
                }, ct);
                foreach (var record in records)
                {
                    await AppendAsync(samplesPath, record, ct);
                    var replaced = done.TryGetValue(record.Key, out var old) ? old.TokensIn + old.TokensOut : 0;
                    Interlocked.Add(ref spent.Value, record.TokensIn + record.TokensOut - replaced);
                    progress.Finished(record);
                }
            });
    }

    /// <summary>The job id of a sample: part of its evolved documents' provenance and of its overlay's name.</summary>
    internal static string JobId(string runId, int sample) => $"{runId}-s{sample}";

    /// <summary>Every half of <paramref name="stallAfter"/>, names the samples in flight for longer than it.</summary>
    private async Task WatchAsync(System.Collections.Concurrent.ConcurrentDictionary<string, long> inFlight, TimeSpan stallAfter, IRunProgress progress,
        CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(stallAfter / 2, time);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var stalled = inFlight.Where(p => time.GetElapsedTime(p.Value) >= stallAfter).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                if (stalled.Count > 0)
                {
                    progress.Stalled(stalled, stallAfter);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static IReadOnlyList<BenchProblem> Problems(IBenchDataset dataset, int? limit) =>
        limit is { } n ? [.. dataset.Problems.Take(n)] : dataset.Problems;

    private async Task<string?> EnsureKnowledgeBaseAsync(IBenchDataset dataset, CancellationToken cancellationToken)
    {
        if (dataset.Documents.Count == 0)
        {
            return null;
        }

        var name = KnowledgeBaseName(dataset);
        try
        {
            await store.GetAsync(name, cancellationToken);
            return name;
        }
        catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.UnknownBase)
        {
            await store.CreateAsync(name, new KnowledgeBaseSpec { Description = $"EvoR-Bench dataset {dataset.Name}" }, cancellationToken);
            await store.AddDocumentsAsync(name, dataset.Documents, cancellationToken);
            return name;
        }
    }

    /// <summary>Named by content, so a changed dataset never reuses a stale base.</summary>
    internal static string KnowledgeBaseName(IBenchDataset dataset) => "bench-" + BenchHashes.Of(dataset)[..12];

    /// <summary>One sample; <paramref name="shared"/> is the run scope's overlay and round schedule, null for the problem's own overlay (the problem scope).</summary>
    private async Task<SampleRecord> RunSampleAsync(IBenchDataset dataset, string method, BenchProblem problem, int sample, string runId,
        string? knowledgeBase, SharedKnowledge? shared, CancellationToken cancellationToken)
    {
        var record = new SampleRecord
        {
            Dataset = dataset.Name, Method = method, ProblemId = problem.Id, Sample = sample, ProblemHash = problem.Hash(), FinishedAt = time.GetUtcNow(),
            GoldDocRecall = GoldDocs.Share(problem.GoldDocs, prompt: null),
        };
        var generation = problem.ToGenerationProblem();
        if (method is Reference or Empty)
        {
            if (method == Reference && problem.Reference is null)
            {
                return record with { Failure = FailureClasses.Infrastructure, Error = "The problem has no reference solution." };
            }

            var answer = generation.Assemble(method == Reference ? problem.Reference! : "");
            return await ScoreAsync(record with { Answer = answer, AnswerSource = method, Stop = "single-shot" }, problem, generation, [], cancellationToken);
        }

        var started = time.GetTimestamp();
        MethodResult result;
        try
        {
            var context = new MethodContext
            {
                JobId = JobId(runId, sample), KnowledgeBase = knowledgeBase, Overlay = shared?.Overlay, RoundBarrier = shared?.Barrier,
            };
            if (knowledgeBase is not null && shared is null && _generator.Service is null)
            {
                // A sample redone after a kill starts from the shared base, not from what its killed attempt evolved.
                await DeleteIfPresentAsync(store, KnowledgeRetriever.OverlayName(context.JobId, method, problem.Id), cancellationToken);
            }

            result = await _generator.RunAsync(method, generation.WithoutHiddenTests(), context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is LlmCallFailedException or LlmNotConfiguredException or CassetteMissException or ServiceJobFailedException { ModelCallFailed: true })
        {
            return record with { Failure = FailureClasses.ModelCallFailed, Error = ex.Message, ElapsedMs = time.GetElapsedTime(started).TotalMilliseconds };
        }
        catch (Exception ex)
        {
            return record with { Failure = FailureClasses.Infrastructure, Error = $"{ex.GetType().Name}: {ex.Message}", ElapsedMs = time.GetElapsedTime(started).TotalMilliseconds };
        }

        var rounds = result.Rounds.Select(r => new RoundRecord
        {
            Round = r.Round,
            Query = r.Query,
            Retrieved = [.. r.Retrieved.Select(d => new RetrievedRecord(d.DocumentId, d.Source.ToWireName(), d.Score))],
            Program = r.Program,
            Verdicts = [.. r.Verdicts.Select(v => $"{v.Label}: {v.Verdict}")],
            RanClean = r.RanClean,
            TokensIn = r.TokensIn,
            TokensOut = r.TokensOut,
            LlmCalls = r.LlmCalls,
            RetrievalMs = r.Timings.RetrievalMs,
            GenerationMs = r.Timings.GenerationMs,
            ExecutionMs = r.Timings.ExecutionMs,
            TotalMs = r.Timings.TotalMs,
        }).ToList();
        record = record with
        {
            Answer = result.Answer,
            AnswerSource = result.AnswerSource,
            AnswerRound = result.AnswerRound,
            Stop = result.Stop.ToString(),
            TokensIn = result.TokensIn,
            TokensOut = result.TokensOut,
            LlmCalls = result.LlmCalls,
            ElapsedMs = result.ElapsedMs,
            PromptSetHash = result.PromptSetHash,
            GoldDocRecall = GoldDocs.Share(problem.GoldDocs, result.Rounds.Count == 0 ? null : result.Rounds[^1].GenerationPrompt),
        };
        return await ScoreAsync(record, problem, generation, rounds, cancellationToken);
    }

    internal static async Task DeleteIfPresentAsync(IKnowledgeBaseStore store, string name, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(name, cancellationToken);
        }
        catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.UnknownBase)
        {
        }
    }

    /// <summary>Scores the answer and, per round, the answer the method would have given had it stopped there.</summary>
    private async Task<SampleRecord> ScoreAsync(SampleRecord record, BenchProblem benchProblem, GenerationProblem problem, List<RoundRecord> rounds, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var cache = new Dictionary<string, Score>(StringComparer.Ordinal);
        async Task<Score> Score(string program)
        {
            if (!cache.TryGetValue(program, out var score))
            {
                score = await ScoreWithRetryAsync(benchProblem, problem, program, cancellationToken);
                cache[program] = score;
            }

            return score;
        }

        var final = await Score(record.Answer!);
        string? lastClean = null;
        for (var i = 0; i < rounds.Count; i++)
        {
            lastClean = rounds[i].RanClean ? rounds[i].Program : lastClean;
            var passed = (await Score(lastClean ?? rounds[i].Program)).Passed;
            rounds[i] = rounds[i] with { PassedIfStoppedHere = passed };
        }

        var failure = final.Verdict switch
        {
            Verdict.Passed => null,
            Verdict.Failed => FailureClasses.WrongAnswer,
            Verdict.SandboxError or null => FailureClasses.Infrastructure,
            _ => FailureClasses.RanWithErrors,
        };
        return record with
        {
            Passed = final.Passed,
            Verdict = final.Verdict?.ToString(),
            RanClean = final.Verdict is Verdict.Passed or Verdict.Failed,
            Failure = failure,
            Error = failure == FailureClasses.Infrastructure ? final.Message : null,
            Rounds = rounds,
            ScoringMs = time.GetElapsedTime(started).TotalMilliseconds,
            FinishedAt = time.GetUtcNow(),
        };
    }

    /// <summary>A full pool (nothing ran) is offered again; anything else is the verdict.</summary>
    private async Task<Score> ScoreWithRetryAsync(BenchProblem benchProblem, GenerationProblem problem, string program, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return benchProblem.ScoreProgram is { } own
                    ? await own(executor, program, cancellationToken)
                    : await scorer.ScoreAsync(problem, program, cancellationToken);
            }
            catch (SandboxBusyException ex) when (attempt < 50)
            {
                await Task.Delay(ex.RetryAfter > TimeSpan.Zero ? ex.RetryAfter : TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
            catch (ExecutionRequestException ex)
            {
                // The sandbox refused the run itself (a language this machine lacks, a payload over its limits): our
                // side, counted as infrastructure and named, never a crash of the whole run.
                return new Score(true, Verdict.SandboxError, ex.Message);
            }
        }
    }

    private async Task AppendAsync(string path, SampleRecord record, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.Serialize(record, BenchJson.Lines) + "\n";
        await _write.WaitAsync(cancellationToken);
        try
        {
            // One write per line, flushed to the OS before the next sample is reported: a kill loses at most the line in flight.
            await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), CancellationToken.None);
            await stream.FlushAsync(CancellationToken.None);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>A line torn by a kill is closed, so the next append starts a line of its own.</summary>
    private static void EnsureEndsWithNewline(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() != '\n')
        {
            stream.WriteByte((byte)'\n');
        }
    }
}

/// <summary>Hears about a run's plan and every finished sample.</summary>
internal interface IRunProgress
{
    void Planned(string dataset, string method, int total, int alreadyDone, int alreadyPassed);

    void Finished(SampleRecord sample);

    /// <summary>Samples that have made no progress for <paramref name="after"/>.</summary>
    void Stalled(IReadOnlyList<string> samples, TimeSpan after);
}

/// <summary>Reports nothing.</summary>
internal sealed class NoProgress : IRunProgress
{
    public void Planned(string dataset, string method, int total, int alreadyDone, int alreadyPassed)
    {
    }

    public void Finished(SampleRecord sample)
    {
    }

    public void Stalled(IReadOnlyList<string> samples, TimeSpan after)
    {
    }
}
