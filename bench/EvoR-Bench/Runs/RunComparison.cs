using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EvoR.Bench.Runs;

/// <summary><c>compare A B</c>: two runs side by side, accuracy deltas per cell and the problems that flipped.</summary>
internal static class RunComparison
{
    /// <exception cref="ArgumentException">A folder without <c>summary.json</c>.</exception>
    public static async Task<RunSummary> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, SummaryWriter.JsonFile);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"No {SummaryWriter.JsonFile} in '{directory}'.");
        }

        return JsonSerializer.Deserialize<RunSummary>(await File.ReadAllTextAsync(path, cancellationToken), BenchJson.Indented)
            ?? throw new ArgumentException($"'{path}' is empty.");
    }

    public static string Markdown(RunSummary a, RunSummary b)
    {
        static string Pct(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# `{a.RunId}` (A) vs `{b.RunId}` (B)\n\n");
        if (a.Scripted || b.Scripted)
        {
            md.Append("> **SCRIPTED**: at least one run used a scripted model or dataset; these are not a model's accuracies.\n\n");
        }

        if (a.KnowledgeScope != b.KnowledgeScope)
        {
            md.Append(CultureInfo.InvariantCulture, $"Knowledge scope: A `{a.KnowledgeScope}`, B `{b.KnowledgeScope}` (`--knowledge-scope`).\n\n");
        }

        md.Append("| Dataset | Method | A | B | B − A | A only passed | B only passed |\n|---|---|---:|---:|---:|---|---|\n");
        var cells = a.Results.Select(r => (r.Dataset, r.Method)).Union(b.Results.Select(r => (r.Dataset, r.Method))).ToList();
        foreach (var (dataset, method) in cells)
        {
            var ra = a.Results.FirstOrDefault(r => r.Dataset == dataset && r.Method == method);
            var rb = b.Results.FirstOrDefault(r => r.Dataset == dataset && r.Method == method);
            var ga = Grid(a, dataset, method);
            var gb = Grid(b, dataset, method);
            var aOnly = ga.Where(p => p.Value && gb.TryGetValue(p.Key, out var v) && !v).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
            var bOnly = gb.Where(p => p.Value && ga.TryGetValue(p.Key, out var v) && !v).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
            var delta = ra is not null && rb is not null ? (rb.Accuracy - ra.Accuracy >= 0 ? "+" : "") + Pct(rb.Accuracy - ra.Accuracy) : "–";
            md.Append(CultureInfo.InvariantCulture,
                $"| {dataset} | {method} | {(ra is null ? "–" : Pct(ra.Accuracy))} | {(rb is null ? "–" : Pct(rb.Accuracy))} | {delta} | {List(aOnly)} | {List(bOnly)} |\n");
        }

        return md.ToString();
    }

    private static string List(List<string> ids) => ids.Count == 0 ? "" : ids.Count <= 10 ? string.Join(", ", ids) : string.Join(", ", ids.Take(10)) + $" … (+{ids.Count - 10})";

    private static IReadOnlyDictionary<string, bool> Grid(RunSummary s, string dataset, string method) =>
        s.Grid.TryGetValue(dataset, out var d) && d.TryGetValue(method, out var m) ? m : new Dictionary<string, bool>();
}
