using EvoR.Bench.Datasets;
using EvoR.Llm.Chat;

namespace EvoR.Bench.Runs;

/// <summary><c>summary.json</c>: every cell, computed from <c>samples.jsonl</c> alone.</summary>
internal sealed record RunSummary
{
    public required string RunId { get; init; }
    public required int Samples { get; init; }
    public required bool Scripted { get; init; }

    /// <summary><c>problem</c> or <c>run</c> (<c>--knowledge-scope</c>), as on every result.</summary>
    public string KnowledgeScope { get; init; } = KnowledgeScopes.ProblemName;
    public required IReadOnlyList<string> Datasets { get; init; }
    public required IReadOnlyList<string> Methods { get; init; }
    public required IReadOnlyList<ResultRow> Results { get; init; }

    /// <summary>The run-wide token budget (<c>--max-tokens</c>), if any.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>Tokens in + out over every sample counted.</summary>
    public long TokensUsed { get; init; }

    /// <summary><c>max-tokens</c> when the budget was reached with samples left unrun; null otherwise.</summary>
    public string? StoppedBy { get; init; }

    /// <summary>The prices behind <see cref="ResultRow.Cost"/>, USD per million tokens in and out; null without prices.</summary>
    public double? PriceInPerMTok { get; init; }
    public double? PriceOutPerMTok { get; init; }

    /// <summary>Per method, the accuracy averaged over datasets (the paper's last column).</summary>
    public required IReadOnlyDictionary<string, double> AverageAccuracy { get; init; }

    /// <summary>Problem ids per method on each dataset: passed (true) or not; for the pass/fail grid and <c>compare</c>.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool>>> Grid { get; init; }

    public static RunSummary Build(string runId, BenchRunOptions options, IEnumerable<SampleRecord> samples)
    {
        var all = samples.ToList();
        var rows = new List<ResultRow>();
        var grid = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool>>>(StringComparer.Ordinal);
        foreach (var dataset in options.Datasets)
        {
            var problems = BenchRunner.Problems(dataset, options.Limit);
            var ids = problems.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            var perMethod = new Dictionary<string, IReadOnlyDictionary<string, bool>>(StringComparer.Ordinal);
            foreach (var method in options.Methods)
            {
                var cell = all.Where(s => s.Dataset == dataset.Name && s.Method == method && ids.Contains(s.ProblemId) && s.Sample < options.Samples).ToList();
                rows.Add(Row(dataset.Name, method, problems, options, cell, dataset.Scripted));
                perMethod[method] = problems.ToDictionary(p => p.Id, p => cell.Any(s => s.ProblemId == p.Id && s.Sample == 0 && s.Passed), StringComparer.Ordinal);
            }

            grid[dataset.Name] = perMethod;
        }

        var used = all.Sum(s => s.TokensIn + s.TokensOut);
        return new RunSummary
        {
            RunId = runId,
            MaxTokens = options.MaxTokens,
            TokensUsed = used,
            StoppedBy = options.MaxTokens is { } max && used >= max && rows.Any(r => r.Failures["notRun"] > 0) ? "max-tokens" : null,
            PriceInPerMTok = Priced(options) ? options.PriceInPerMTok : null,
            PriceOutPerMTok = Priced(options) ? options.PriceOutPerMTok : null,
            Samples = options.Samples,
            Scripted = rows.Any(r => r.Scripted),
            KnowledgeScope = options.KnowledgeScope.ToWireName(),
            Datasets = [.. options.Datasets.Select(d => d.Name)],
            Methods = options.Methods,
            Results = rows,
            AverageAccuracy = options.Methods.ToDictionary(m => m, m => rows.Where(r => r.Method == m).Average(r => r.Accuracy), StringComparer.Ordinal),
            Grid = grid,
        };
    }

    private static bool Priced(BenchRunOptions options) => options.PriceInPerMTok is not null && options.PriceOutPerMTok is not null;

    /// <summary>The released code's rule: more than 70 % of the gold lines appear in the prompt.</summary>
    public const double GoldDocThreshold = 0.7;

    private static ResultRow Row(string dataset, string method, IReadOnlyList<BenchProblem> problemList, BenchRunOptions options, List<SampleRecord> cell, bool scriptedDataset)
    {
        var problems = problemList.Count;
        var n = options.Samples;
        var gold = problemList.Where(p => GoldDocs.Lines(p.GoldDocs).Count > 0).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var recalled = cell.Count(s => s.Sample == 0 && gold.Contains(s.ProblemId) && s.GoldDocRecall > GoldDocThreshold);
        var tokensIn = cell.Sum(s => s.TokensIn);
        var tokensOut = cell.Sum(s => s.TokensOut);
        // Per problem: its samples finished and how many of them passed (pass@k's n and c).
        var perProblem = cell.GroupBy(s => s.ProblemId).Select(g => (g.Count(), g.Count(s => s.Passed))).ToList();
        var first = cell.Where(s => s.Sample == 0).ToList();
        var maxRounds = first.Count == 0 ? 0 : first.Max(s => Math.Max(1, s.Rounds.Count));
        var byRound = Enumerable.Range(0, maxRounds).Select(r => problems == 0 ? 0 : first.Count(s =>
            s.Rounds.Count == 0 ? s.Passed : s.Rounds[Math.Min(r, s.Rounds.Count - 1)].PassedIfStoppedHere) / (double)problems).ToList();
        var passAt1 = n == 1
            ? (problems == 0 ? 0 : first.Count(s => s.Passed) / (double)problems)
            : PassAtK.Mean(problems, perProblem, n, 1);
        Dictionary<string, double>? passAtK = null;
        if (n > 1)
        {
            passAtK = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var k in new[] { 1, 2, 5, 10, 20, 50, 100 }.Where(k => k <= n))
            {
                passAtK[$"pass@{k}"] = PassAtK.Mean(problems, perProblem, n, k);
            }
        }

        var failures = FailureClasses.All.ToDictionary(f => f, f => first.Count(s => s.Failure == f), StringComparer.Ordinal);
        failures["notRun"] = problems - first.Count;
        return new ResultRow
        {
            Dataset = dataset,
            Method = method,
            Problems = problems,
            Finished = first.Count,
            Passed = first.Count(s => s.Passed),
            Accuracy = passAt1,
            RanClean = problems == 0 ? 0 : first.Count(s => s.RanClean) / (double)problems,
            AccuracyByRound = byRound,
            PassAtK = passAtK,
            TokensIn = tokensIn,
            TokensOut = tokensOut,
            GoldDocRecall = gold.Count == 0 ? null : recalled / (double)gold.Count,
            GoldDocProblems = gold.Count,
            Cost = Priced(options) ? (tokensIn * options.PriceInPerMTok!.Value + tokensOut * options.PriceOutPerMTok!.Value) / 1_000_000 : null,
            LlmCalls = cell.Sum(s => s.LlmCalls),
            Failures = failures,
            RetryableProblems = [.. first.Where(s => FailureClasses.Retryable(s.Failure)).Select(s => s.ProblemId).Order(StringComparer.Ordinal)],
            MeanMsOutsideModel = cell.Count == 0 ? 0 : cell.Average(s => s.ScoringMs + s.Rounds.Sum(r => r.TotalMs - r.GenerationMs)),
            Scripted = scriptedDataset || cell.Any(s => s.AnswerSource == LlmSources.Scripted),
            KnowledgeScope = options.KnowledgeScope.ToWireName(),
        };
    }
}
