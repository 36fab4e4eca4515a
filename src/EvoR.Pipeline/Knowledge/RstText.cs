using System.Text;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// reStructuredText with its section titles as Markdown headings, so that chunks keep their heading path. A title is
/// a line underlined (and optionally overlined) by a run of one punctuation character at least as long as it; levels
/// follow the order in which adornment styles first appear, as in docutils. The rest of the text is kept as written.
/// </summary>
public static class RstText
{
    private const string Adornments = "=-`:'\"~^_*+#<>.";

    /// <summary>The text with Markdown headings, and the title (the first section title) or null.</summary>
    public static (string Text, string? Title) ToMarkdown(string rst)
    {
        ArgumentNullException.ThrowIfNull(rst);
        var lines = rst.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var styles = new List<(char Mark, bool Over)>();
        var output = new StringBuilder();
        string? title = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var over = IsAdornment(line) && i + 2 < lines.Length && IsTitle(lines[i + 1]) && IsAdornment(lines[i + 2])
                       && lines[i + 2].TrimEnd()[0] == line.TrimEnd()[0];
            string? heading = null;
            char mark = default;
            if (over)
            {
                heading = lines[i + 1].Trim();
                mark = line.TrimEnd()[0];
                i += 2;
            }
            else if (IsTitle(line) && i + 1 < lines.Length && IsAdornment(lines[i + 1]) && lines[i + 1].TrimEnd().Length >= line.TrimEnd().Length)
            {
                heading = line.Trim();
                mark = lines[i + 1].TrimEnd()[0];
                i += 1;
            }

            if (heading is null)
            {
                output.Append(line).Append('\n');
                continue;
            }

            var style = (mark, over);
            var level = styles.IndexOf(style);
            if (level < 0)
            {
                styles.Add(style);
                level = styles.Count - 1;
            }

            title ??= heading;
            output.Append('#', Math.Min(level + 1, 6)).Append(' ').Append(heading).Append('\n');
        }

        return (output.ToString().Trim(), title);
    }

    private static bool IsTitle(string line) => line.Trim().Length > 0 && !IsAdornment(line) && !char.IsWhiteSpace(line[0]);

    private static bool IsAdornment(string line)
    {
        var trimmed = line.TrimEnd();
        return trimmed.Length >= 3 && Adornments.Contains(trimmed[0], StringComparison.Ordinal) && trimmed.All(c => c == trimmed[0]);
    }
}
