namespace EvoR.Bench.Runs;

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
