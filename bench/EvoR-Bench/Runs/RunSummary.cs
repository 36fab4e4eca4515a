using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvoR.Bench.Datasets;
using EvoR.Llm.Chat;

namespace EvoR.Bench.Runs;

/// <summary>One cell of the grid: a method on a dataset.</summary>
internal sealed record ResultRow
{
    public required string Dataset { get; init; }
    public required string Method { get; init; }

    /// <summary>The denominator: every problem of the dataset (after <c>--limit</c>); never shrunk by failures.</summary>
    public required int Problems { get; init; }

    /// <summary>Problems whose sample 0 (or, with several samples, every finished sample counted in <see cref="PassAtK"/>) finished.</summary>
    public required int Finished { get; init; }

    public required int Passed { get; init; }

    /// <summary>Execution accuracy (pass@1): <see cref="Passed"/> / <see cref="Problems"/>; with several samples, unbiased pass@1.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Share of problems whose answer ran through the hidden tests without an error (the released code's syntax accuracy).</summary>
    public required double RanClean { get; init; }

    /// <summary>Accuracy had every problem stopped after round r (index 0 = round 1).</summary>
    public required IReadOnlyList<double> AccuracyByRound { get; init; }

    /// <summary>Unbiased pass@k (Chen et al.) for k ≤ samples; only with more than one sample.</summary>
    public IReadOnlyDictionary<string, double>? PassAtK { get; init; }

    public required long TokensIn { get; init; }
    public required long TokensOut { get; init; }
    public required int LlmCalls { get; init; }
    public required IReadOnlyDictionary<string, int> Failures { get; init; }

    /// <summary>Share of the scored problems whose final generation prompt holds more than 70 % of their gold
    /// documentation lines (the released code's rule; a problem not run or without a prompt counts as missed); null when
    /// no problem of the dataset names gold docs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? GoldDocRecall { get; init; }

    /// <summary>Problems scored for <see cref="GoldDocRecall"/>: those that name gold docs (the others are left out).</summary>
    public int GoldDocProblems { get; init; }

    /// <summary>USD for <see cref="TokensIn"/> and <see cref="TokensOut"/> at the run's prices; null without prices.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Cost { get; init; }

    /// <summary>Problem ids per failure class that <c>--retry-failed</c> would run again (model and infrastructure).</summary>
    public required IReadOnlyList<string> RetryableProblems { get; init; }

    /// <summary>Mean time per sample outside the model (retrieval + execution + scoring), in ms. In <c>summary.md</c> only:
    /// <c>summary.json</c> holds no timings, so that a replayed run reproduces it exactly.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double MeanMsOutsideModel { get; init; }

    /// <summary>True when an answer came from a scripted model or the dataset is scripted: never a model's accuracy.</summary>
    public required bool Scripted { get; init; }

    /// <summary><c>problem</c> or <c>run</c> (<c>--knowledge-scope</c>): what the evolving overlay was shared by.</summary>
    public string KnowledgeScope { get; init; } = KnowledgeScopes.ProblemName;
}

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
        var byProblem = cell.GroupBy(s => s.ProblemId).ToList();
        var first = cell.Where(s => s.Sample == 0).ToList();
        var maxRounds = first.Count == 0 ? 0 : first.Max(s => Math.Max(1, s.Rounds.Count));
        var byRound = Enumerable.Range(0, maxRounds).Select(r => problems == 0 ? 0 : first.Count(s =>
            s.Rounds.Count == 0 ? s.Passed : s.Rounds[Math.Min(r, s.Rounds.Count - 1)].PassedIfStoppedHere) / (double)problems).ToList();
        var passAt1 = n == 1
            ? (problems == 0 ? 0 : first.Count(s => s.Passed) / (double)problems)
            : PassAtK.Mean(problems, byProblem.Select(g => (g.Count(), g.Count(s => s.Passed))), n, 1);
        Dictionary<string, double>? passAtK = null;
        if (n > 1)
        {
            passAtK = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var k in new[] { 1, 2, 5, 10, 20, 50, 100 }.Where(k => k <= n))
            {
                passAtK[$"pass@{k}"] = PassAtK.Mean(problems, byProblem.Select(g => (g.Count(), g.Count(s => s.Passed))), n, k);
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

/// <summary>Gold-documentation recall of one prompt: the share of a problem's gold lines that appear in it.</summary>
internal static class GoldDocs
{
    /// <summary>The gold lines that count: trimmed, blank ones left out.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<string> gold) =>
        [.. gold.Select(l => l.Trim()).Where(l => l.Length > 0)];

    /// <summary>Found / total gold lines, a line counting when it appears verbatim in <paramref name="prompt"/> (no prompt:
    /// 0); null when there are no gold lines.</summary>
    public static double? Share(IReadOnlyList<string> gold, string? prompt)
    {
        var lines = Lines(gold);
        return lines.Count == 0 ? null : lines.Count(l => prompt?.Contains(l, StringComparison.Ordinal) == true) / (double)lines.Count;
    }
}

/// <summary>The unbiased pass@k estimator of Chen et al. (2021): 1 − C(n−c, k) / C(n, k), averaged over problems.</summary>
internal static class PassAtK
{
    public static double Estimate(int n, int c, int k)
    {
        if (n - c < k)
        {
            return 1.0;
        }

        var product = 1.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            product *= 1.0 - k / (double)i;
        }

        return 1.0 - product;
    }

    /// <summary>Mean over <paramref name="problems"/>; a problem with fewer than <paramref name="n"/> finished samples counts
    /// its missing ones as failures (the denominator never shrinks).</summary>
    public static double Mean(int problems, IEnumerable<(int Samples, int Correct)> perProblem, int n, int k) =>
        problems == 0 ? 0 : perProblem.Sum(p => Estimate(n, Math.Min(p.Correct, n), k)) / problems;
}

/// <summary>Writes <c>summary.json</c> and <c>summary.md</c> (the paper-shaped tables).</summary>
internal static class SummaryWriter
{
    public const string JsonFile = "summary.json";
    public const string MarkdownFile = "summary.md";

    public static async Task WriteAsync(string directory, RunSummary summary, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(directory, JsonFile), JsonSerializer.Serialize(summary, BenchJson.Indented), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, MarkdownFile), Markdown(summary), cancellationToken);
    }

    private static string Pct(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture);

    public static string Markdown(RunSummary s)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# EvoR-Bench run `{s.RunId}`\n\n");
        if (s.Scripted)
        {
            md.Append("> **SCRIPTED**: answers came from a scripted model or a scripted dataset. These numbers test the harness; they are not any model's accuracy.\n\n");
        }

        if (s.StoppedBy is not null)
        {
            md.Append(CultureInfo.InvariantCulture,
                $"> **Stopped by the token budget**: the run reached `--max-tokens {s.MaxTokens}` ({s.TokensUsed} tokens used), so no new sample started; the samples not run count as not passed (\"not run\" below).\n\n");
        }

        md.Append("Knowledge scope: ").Append(KnowledgeScopes.Parse(s.KnowledgeScope).Describe()).Append(".\n\n");
        md.Append(s.Samples > 1 ? $"## Execution accuracy (unbiased pass@1 over {s.Samples} samples, %)\n\n" : "## Execution accuracy (pass@1, %)\n\n");
        md.Append("| Method | ").AppendJoin(" | ", s.Datasets).Append(" | Average |\n|---|").Append(string.Concat(s.Datasets.Select(_ => "---:|"))).Append("---:|\n");
        foreach (var m in s.Methods)
        {
            md.Append("| ").Append(m).Append(s.Results.Any(r => r.Method == m && r.Scripted) ? " (scripted)" : "").Append(" | ");
            md.AppendJoin(" | ", s.Datasets.Select(d => Cell(s, d, m))).Append(" | ").Append(Pct(s.AverageAccuracy[m])).Append(" |\n");
        }

        md.Append("\n## Ran clean (hidden tests ran without an error, %)\n\n");
        md.Append("| Method | ").AppendJoin(" | ", s.Datasets).Append(" |\n|---|").Append(string.Concat(s.Datasets.Select(_ => "---:|"))).Append('\n');
        foreach (var m in s.Methods)
        {
            md.Append("| ").Append(m).Append(" | ").AppendJoin(" | ", s.Datasets.Select(d => Pct(Find(s, d, m).RanClean))).Append(" |\n");
        }

        var maxRounds = s.Results.Count == 0 ? 0 : s.Results.Max(r => r.AccuracyByRound.Count);
        if (maxRounds > 1)
        {
            md.Append("\n## Accuracy by round (%: every problem stopped after round r)\n\n");
            md.Append("| Dataset | Method | ").AppendJoin(" | ", Enumerable.Range(1, maxRounds).Select(r => $"r{r}")).Append(" |\n|---|---|")
                .Append(string.Concat(Enumerable.Range(0, maxRounds).Select(_ => "---:|"))).Append('\n');
            foreach (var r in s.Results)
            {
                md.Append("| ").Append(r.Dataset).Append(" | ").Append(r.Method).Append(" | ")
                    .AppendJoin(" | ", Enumerable.Range(0, maxRounds).Select(i => Pct(r.AccuracyByRound.Count == 0 ? 0 : r.AccuracyByRound[Math.Min(i, r.AccuracyByRound.Count - 1)])))
                    .Append(" |\n");
            }
        }

        if (s.Results.Any(r => r.GoldDocRecall is not null))
        {
            md.Append("\n## Gold-documentation recall (% of problems whose final prompt holds > 70 % of their gold lines)\n\n");
            md.Append("| Dataset | Method | Problems scored | Recall |\n|---|---|---:|---:|\n");
            foreach (var r in s.Results)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {r.Dataset} | {r.Method} | {r.GoldDocProblems} | {(r.GoldDocRecall is { } g ? Pct(g) : "–")} |\n");
            }
        }

        var priced = s.PriceInPerMTok is not null;
        md.Append("\n## Tokens and calls\n\n");
        if (priced)
        {
            md.Append(CultureInfo.InvariantCulture, $"Cost at USD {s.PriceInPerMTok} per million tokens in and USD {s.PriceOutPerMTok} out.\n\n");
        }

        md.Append("| Dataset | Method | Tokens in | Tokens out | LLM calls | ms/sample outside the model |").Append(priced ? " Cost (USD) |" : "")
            .Append("\n|---|---|---:|---:|---:|---:|").Append(priced ? "---:|" : "").Append('\n');
        foreach (var r in s.Results)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {r.Dataset} | {r.Method} | {r.TokensIn} | {r.TokensOut} | {r.LlmCalls} | {r.MeanMsOutsideModel:0.0} |");
            md.Append(CultureInfo.InvariantCulture, $"{(priced ? $" {r.Cost:0.0000} |" : "")}\n");
        }

        if (priced && s.Datasets.Count > 1)
        {
            md.Append("\nCost per method over all datasets (USD): ")
                .AppendJoin(", ", s.Methods.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m} {s.Results.Where(r => r.Method == m).Sum(r => r.Cost ?? 0):0.0000}")))
                .Append('\n');
        }

        md.Append("\n## Failures (counted in the denominator)\n\n| Dataset | Method | Problems | Passed | ")
            .AppendJoin(" | ", FailureClasses.All).Append(" | not run |\n|---|---|---:|---:|").Append(string.Concat(FailureClasses.All.Select(_ => "---:|"))).Append("---:|\n");
        foreach (var r in s.Results)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {r.Dataset} | {r.Method} | {r.Problems} | {r.Passed} | ")
                .AppendJoin(" | ", FailureClasses.All.Select(f => r.Failures[f])).Append(CultureInfo.InvariantCulture, $" | {r.Failures["notRun"]} |\n");
        }

        var retry = s.Results.Where(r => r.RetryableProblems.Count > 0).ToList();
        if (retry.Count > 0)
        {
            md.Append("\nModel-call and infrastructure failures (rerun with `--retry-failed`):\n\n");
            foreach (var r in retry)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {r.Dataset} / {r.Method}: {string.Join(", ", r.RetryableProblems)}\n");
            }
        }

        return md.ToString();
    }

    private static ResultRow Find(RunSummary s, string dataset, string method) => s.Results.First(r => r.Dataset == dataset && r.Method == method);

    private static string Cell(RunSummary s, string dataset, string method)
    {
        var r = Find(s, dataset, method);
        return r.Finished < r.Problems ? $"{Pct(r.Accuracy)} ({r.Finished}/{r.Problems} run)" : Pct(r.Accuracy);
    }
}
