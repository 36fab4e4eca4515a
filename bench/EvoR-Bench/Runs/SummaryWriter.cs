using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EvoR.Bench.Runs;

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
