using EvoR.Bench.Datasets;

namespace EvoR.Bench.Runs;

/// <summary>One sample still to run in the problem scope.</summary>
internal sealed record SampleWork(IBenchDataset Dataset, string Method, BenchProblem Problem, int Sample);

/// <summary>
/// What a run still has to do, given what <c>samples.jsonl</c> already holds: the samples (problem scope) or groups (run
/// scope) not yet done, or done with a retryable failure under <c>--retry-failed</c>. Making the plan tells the progress
/// view each cell's total and what is already done, so that a resumed run shows the whole picture.
/// </summary>
internal sealed record RunPlan(IReadOnlyList<SampleWork> Work, IReadOnlyList<SampleGroup> Groups)
{
    public static RunPlan Make(BenchRunOptions options, IReadOnlyDictionary<string, SampleRecord> done, IRunProgress progress)
    {
        var work = new List<SampleWork>();
        var groups = options.KnowledgeScope == KnowledgeScope.Run ? SharedKnowledgeGroups.Pending(options, done) : [];
        foreach (var dataset in options.Datasets)
        {
            foreach (var method in options.Methods)
            {
                var problems = BenchRunner.Problems(dataset, options.Limit);
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

                        work.Add(new SampleWork(dataset, method, problem, s));
                        pending++;
                    }
                }

                progress.Planned(dataset.Name, method, problems.Count * options.Samples, problems.Count * options.Samples - pending,
                    done.Values.Count(r => r.Dataset == dataset.Name && r.Method == method && r.Passed));
            }
        }

        return new RunPlan(work, groups);
    }
}
