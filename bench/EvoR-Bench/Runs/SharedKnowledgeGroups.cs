using EvoR.Bench.Datasets;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;

namespace EvoR.Bench.Runs;

/// <summary>The overlay a group of samples evolves together, and the schedule its rounds keep.</summary>
internal sealed record SharedKnowledge(string Overlay, IRoundBarrier Barrier);

/// <summary>One dataset × method × sample of a per-run scope: its problems share one overlay and run as one unit.</summary>
internal sealed record SampleGroup(IBenchDataset Dataset, string Method, int Sample, IReadOnlyList<BenchProblem> Problems)
{
    public string Name => $"{Dataset.Name}/{Method}" + (Sample > 0 ? $"#{Sample}" : "");
}

/// <summary>
/// <c>--knowledge-scope run</c>: a group's state (its shared overlay) depends on every one of its problems, so a group is
/// the unit of work and of resume. It starts from a fresh overlay, its problems keep the synchronous round schedule
/// (<see cref="SynchronousRounds"/>, writes committed in problem order), and its samples are appended to
/// <c>samples.jsonl</c> only once all of them finished. A rerun redoes every group not wholly in <c>samples.jsonl</c>
/// (with <c>--retry-failed</c>, also every group holding a retryable failure), from a fresh overlay; a finished group is
/// never redone.
/// </summary>
internal sealed class SharedKnowledgeGroups(IKnowledgeBaseStore store)
{
    /// <summary>The groups still to run, in dataset, method, sample order.</summary>
    public static IReadOnlyList<SampleGroup> Pending(BenchRunOptions options, IReadOnlyDictionary<string, SampleRecord> done)
    {
        var pending = new List<SampleGroup>();
        foreach (var dataset in options.Datasets)
        {
            var problems = BenchRunner.Problems(dataset, options.Limit);
            foreach (var method in options.Methods)
            {
                for (var s = 0; s < options.Samples; s++)
                {
                    var group = new SampleGroup(dataset, method, s, problems);
                    if (!IsFinished(group, options, done))
                    {
                        pending.Add(group);
                    }
                }
            }
        }

        return pending;
    }

    /// <summary>Every problem of the group has a line (none of them retryable under <c>--retry-failed</c>).</summary>
    public static bool IsFinished(SampleGroup group, BenchRunOptions options, IReadOnlyDictionary<string, SampleRecord> done) =>
        group.Problems.All(p => done.TryGetValue(SampleRecord.SampleKey(group.Dataset.Name, group.Method, p.Id, group.Sample), out var record)
            && !(options.RetryFailed && FailureClasses.Retryable(record.Failure)));

    /// <summary>
    /// Runs one group: a fresh shared overlay on <paramref name="knowledgeBase"/> (none without one), then every problem at
    /// once, each holding one of <paramref name="slots"/> while it works (the schedule hands it back while it waits for
    /// the others). Returns the records in problem order.
    /// </summary>
    public async Task<IReadOnlyList<SampleRecord>> RunAsync(SampleGroup group, string runId, string? knowledgeBase, SemaphoreSlim slots,
        Func<BenchProblem, SharedKnowledge?, CancellationToken, Task<SampleRecord>> runSample, CancellationToken cancellationToken)
    {
        var barrier = new SynchronousRounds(group.Problems.Select(p => p.Id), slots);
        SharedKnowledge? shared = null;
        if (knowledgeBase is not null)
        {
            var jobId = SampleRunner.JobId(runId, group.Sample);
            var overlay = KnowledgeRetriever.GroupOverlayName(jobId, group.Method, group.Dataset.Name);
            // A group redone after a kill starts from the shared base, not from what its killed attempt evolved.
            await BenchKnowledgeBases.DeleteIfPresentAsync(store, overlay, cancellationToken);
            await store.CreateAsync(overlay, new KnowledgeBaseSpec
            {
                Parent = knowledgeBase, Description = $"EvoR-Bench run {runId}: evolving knowledge of {group.Name}", JobId = jobId,
            }, cancellationToken);
            shared = new SharedKnowledge(overlay, barrier);
        }

        var records = await Task.WhenAll(group.Problems.Select(async problem =>
        {
            try
            {
                await slots.WaitAsync(cancellationToken);
            }
            catch
            {
                barrier.Leave(problem.Id);
                throw;
            }

            try
            {
                return await runSample(problem, shared, cancellationToken);
            }
            finally
            {
                // The loop leaves on its own; this covers a sample that never reached it (a pseudo-method, a failure before).
                barrier.Leave(problem.Id);
                slots.Release();
            }
        }));
        return records;
    }
}
