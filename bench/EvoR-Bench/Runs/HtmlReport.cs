using System.Globalization;
using System.Net;
using System.Text;

namespace EvoR.Bench.Runs;

/// <summary>
/// <c>report.html</c>: one self-contained file (no script, font or style from the network): the accuracy table, a bar
/// plot per dataset, accuracy by round, accuracy against tokens, the problem × method pass/fail grid, and every
/// sample's rounds (query, retrieved documents, program, verdicts) to click through.
/// </summary>
internal static class HtmlReport
{
    public const string FileName = "report.html";

    private static readonly string[] Colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static async Task WriteAsync(string directory, RunSummary summary, IEnumerable<SampleRecord> samples, CancellationToken cancellationToken) =>
        await File.WriteAllTextAsync(Path.Combine(directory, FileName), Render(summary, [.. samples]), cancellationToken);

    private static int IndexIn(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string Pct(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Render(RunSummary s, IReadOnlyList<SampleRecord> samples)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>EvoR-Bench ").Append(E(s.RunId)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}")
            .Append(".banner{background:#fff3cd;border:1px solid #e0c060;padding:.8em;font-weight:bold}.pass{background:#b7e1b0}.fail{background:#f4b6b6}")
            .Append(".grid td{width:14px;height:14px;padding:0;border:1px solid #fff}pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:300px}")
            .Append("details{margin:.2em 0}summary{cursor:pointer}</style></head><body>");
        h.Append("<h1>EvoR-Bench run <code>").Append(E(s.RunId)).Append("</code></h1>");
        h.Append("<p id=\"knowledge-scope\">Knowledge scope: ").Append(E(KnowledgeScopes.Parse(s.KnowledgeScope).Describe())).Append("</p>");
        if (s.Scripted)
        {
            h.Append("<p class=\"banner\" id=\"scripted\">SCRIPTED: answers came from a scripted model or a scripted dataset. These numbers test the harness; they are not any model's accuracy.</p>");
        }

        h.Append("<h2>Execution accuracy (pass@1, %)</h2><table id=\"accuracy\"><tr><th>Method</th>");
        foreach (var d in s.Datasets)
        {
            h.Append("<th>").Append(E(d)).Append("</th>");
        }

        h.Append("<th>Average</th></tr>");
        foreach (var m in s.Methods)
        {
            h.Append("<tr><td>").Append(E(m)).Append("</td>");
            foreach (var d in s.Datasets)
            {
                var r = s.Results.First(x => x.Dataset == d && x.Method == m);
                h.Append("<td title=\"").Append(r.Passed).Append('/').Append(r.Problems).Append("\">").Append(Pct(r.Accuracy)).Append("</td>");
            }

            h.Append("<td>").Append(Pct(s.AverageAccuracy[m])).Append("</td></tr>");
        }

        h.Append("</table>");
        foreach (var d in s.Datasets)
        {
            h.Append("<h3>").Append(E(d)).Append("</h3>").Append(Bars(s, d)).Append(ByRound(s, d)).Append(AgainstTokens(s, d));
        }

        h.Append("<h2>Pass/fail grid (problems × methods)</h2>");
        foreach (var d in s.Datasets)
        {
            h.Append("<h3>").Append(E(d)).Append("</h3><table class=\"grid\">");
            foreach (var m in s.Methods)
            {
                h.Append("<tr><th>").Append(E(m)).Append("</th>");
                foreach (var (problem, passed) in s.Grid[d][m])
                {
                    h.Append("<td class=\"").Append(passed ? "pass" : "fail").Append("\" title=\"").Append(E(problem)).Append("\"></td>");
                }

                h.Append("</tr>");
            }

            h.Append("</table>");
        }

        h.Append("<h2>Samples</h2>");
        // In the tables' order (datasets and methods as the run listed them), problems in numeric order: HumanEval/2
        // before HumanEval/10.
        foreach (var sample in samples.OrderBy(x => IndexIn(s.Datasets, x.Dataset)).ThenBy(x => IndexIn(s.Methods, x.Method))
                     .ThenBy(x => x.ProblemId, ProblemIdOrder.Instance).ThenBy(x => x.Sample))
        {
            h.Append("<details class=\"sample\"><summary>").Append(E($"{sample.Dataset} / {sample.Method} / {sample.ProblemId}"))
                .Append(sample.Sample > 0 ? E($" #{sample.Sample}") : "").Append(" — <b class=\"").Append(sample.Passed ? "pass" : "fail").Append("\">")
                .Append(sample.Passed ? "passed" : E(sample.Failure)).Append("</b></summary>");
            if (sample.Error is { } error)
            {
                h.Append("<p>").Append(E(error)).Append("</p>");
            }

            foreach (var r in sample.Rounds)
            {
                h.Append("<h4>Round ").Append(r.Round + 1).Append(r.RanClean ? " (ran clean)" : "").Append("</h4>");
                if (r.Query is { } q)
                {
                    h.Append("<p>Query: <code>").Append(E(q)).Append("</code></p>");
                }

                if (r.Retrieved.Count > 0)
                {
                    h.Append("<p>Retrieved: ").Append(string.Join(", ", r.Retrieved.Select(x => $"{E(x.DocumentId)} ({E(x.Source)}, {x.Score.ToString("0.00", CultureInfo.InvariantCulture)})"))).Append("</p>");
                }

                h.Append("<pre>").Append(E(r.Program)).Append("</pre>");
                if (r.Verdicts.Count > 0)
                {
                    h.Append("<p>Verdicts: ").Append(E(string.Join("; ", r.Verdicts))).Append("</p>");
                }
            }

            if (sample.Rounds.Count == 0 && sample.Answer is { } answer)
            {
                h.Append("<pre>").Append(E(answer)).Append("</pre>");
            }

            h.Append("<p>Hidden tests: ").Append(E(sample.Verdict)).Append("</p></details>");
        }

        return h.Append("</body></html>").ToString();
    }

    private static string Bars(RunSummary s, string dataset)
    {
        var rows = s.Results.Where(r => r.Dataset == dataset).ToList();
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"bars\" width=\"560\" height=\"{rows.Count * 24 + 10}\" role=\"img\" aria-label=\"accuracy per method\">");
        for (var i = 0; i < rows.Count; i++)
        {
            var w = rows[i].Accuracy * 300;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{i * 24 + 17}\" font-size=\"12\">{E(rows[i].Method)}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"170\" y=\"{i * 24 + 4}\" width=\"{F(w)}\" height=\"18\" fill=\"{Colors[i % Colors.Length]}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{F(175 + w)}\" y=\"{i * 24 + 17}\" font-size=\"12\">{Pct(rows[i].Accuracy)} %</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string ByRound(RunSummary s, string dataset)
    {
        var rows = s.Results.Where(r => r.Dataset == dataset && r.AccuracyByRound.Count > 1).ToList();
        if (rows.Count == 0)
        {
            return "";
        }

        var max = rows.Max(r => r.AccuracyByRound.Count);
        var svg = new StringBuilder("<p>Accuracy by round</p><svg class=\"rounds\" width=\"520\" height=\"220\" role=\"img\" aria-label=\"accuracy by round\">")
            .Append("<line x1=\"40\" y1=\"190\" x2=\"500\" y2=\"190\" stroke=\"#888\"/><line x1=\"40\" y1=\"10\" x2=\"40\" y2=\"190\" stroke=\"#888\"/>")
            .Append("<text x=\"0\" y=\"194\" font-size=\"10\">0 %</text><text x=\"0\" y=\"16\" font-size=\"10\">100 %</text>");
        for (var r = 0; r < max; r++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(r, max))}\" y=\"206\" font-size=\"11\">r{r + 1}</text>");
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var points = string.Join(' ', Enumerable.Range(0, max).Select(r => $"{F(X(r, max))},{F(190 - (180 * rows[i].AccuracyByRound[Math.Min(r, rows[i].AccuracyByRound.Count - 1)]))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke-width=\"2\" stroke=\"{Colors[i % Colors.Length]}\" points=\"{points}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"420\" y=\"{20 + (i * 14)}\" font-size=\"11\" fill=\"{Colors[i % Colors.Length]}\">{E(rows[i].Method)}</text>");
        }

        return svg.Append("</svg>").ToString();

        static double X(int r, int max) => 50 + (max == 1 ? 0 : r * 350.0 / (max - 1));
    }

    private static string AgainstTokens(RunSummary s, string dataset)
    {
        var rows = s.Results.Where(r => r.Dataset == dataset).ToList();
        var mostTokens = rows.Max(r => r.TokensIn + r.TokensOut);
        // The axis is labelled with what the most expensive method spent; its scale is at least 1 so that a run that
        // spent none (reference, empty) still draws its points, at 0.
        var maxTokens = Math.Max(1, mostTokens);
        var svg = new StringBuilder("<p>Accuracy against tokens</p><svg class=\"tokens\" width=\"520\" height=\"220\" role=\"img\" aria-label=\"accuracy against tokens\">")
            .Append("<line x1=\"40\" y1=\"190\" x2=\"500\" y2=\"190\" stroke=\"#888\"/><line x1=\"40\" y1=\"10\" x2=\"40\" y2=\"190\" stroke=\"#888\"/>")
            .Append("<text x=\"0\" y=\"194\" font-size=\"10\">0 %</text><text x=\"0\" y=\"16\" font-size=\"10\">100 %</text>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"420\" y=\"206\" font-size=\"11\">{mostTokens} tokens</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var x = 45 + (400.0 * (rows[i].TokensIn + rows[i].TokensOut) / maxTokens);
            var y = 190 - (180 * rows[i].Accuracy);
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"5\" fill=\"{Colors[i % Colors.Length]}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 7)}\" y=\"{F(y + 4)}\" font-size=\"11\">{E(rows[i].Method)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }
}
