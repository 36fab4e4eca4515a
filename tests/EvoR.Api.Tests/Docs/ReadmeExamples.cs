using System.Text;

namespace EvoR.Api.Tests.Docs;

/// <summary>One <c>curl</c> command of a README, as a user would paste it, with the statuses the README
/// promises for it (a comment with <c>→ 202</c> after it, or a <c># → 202</c> line under it; none named means any 2xx).</summary>
public sealed record ReadmeExample(string File, int Line, string Command, IReadOnlyList<int> ExpectedStatuses)
{
    public override string ToString() => $"{File}:{Line}: {Command.ReplaceLineEndings(" ")[..Math.Min(90, Command.Length)]}";
}

/// <summary>Reads the <c>curl</c> commands out of the README's <c>sh</c> blocks, joining backslash continuations and
/// single-quoted bodies that span lines, so each command is exactly what a shell would run.</summary>
public static class ReadmeExamples
{
    /// <param name="root">The repository root.</param>
    /// <param name="readme">The README, relative to the root (named so in failures).</param>
    public static IReadOnlyList<ReadmeExample> Read(string root, string readme)
    {
        var lines = File.ReadAllLines(Path.Combine(root, readme));
        var examples = new List<ReadmeExample>();
        var inShellBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inShellBlock = !inShellBlock && line.Trim() is "```sh" or "```bash";
                continue;
            }

            if (!inShellBlock || !line.TrimStart().StartsWith("curl ", StringComparison.Ordinal))
                continue;

            var start = i;
            var command = new StringBuilder();
            while (true)
            {
                var text = lines[i];
                command.Append(text).Append('\n');
                var joined = command.ToString();
                var openQuote = joined.Count(c => c == '\'') % 2 == 1;
                if (!openQuote && !StripComment(text).TrimEnd().EndsWith('\\'))
                    break;
                i++;
            }

            var full = command.ToString().TrimEnd();
            var statuses = ExpectedStatuses(lines[i]);
            if (statuses.Count == 0 && i + 1 < lines.Length && lines[i + 1].TrimStart().StartsWith("# →", StringComparison.Ordinal))
                statuses = ExpectedStatuses(lines[i + 1]);
            examples.Add(new ReadmeExample(readme, start + 1, StripComment(full).TrimEnd(), statuses));
        }

        return examples;
    }

    private static List<int> ExpectedStatuses(string line)
    {
        var comment = line.Length - StripComment(line).Length;
        var arrow = line.IndexOf('→', line.Length - comment);
        if (comment == 0 || arrow < 0)
            return [];
        return HttpFileRequests.StatusPattern().Matches(line[arrow..]).Select(m => int.Parse(m.Value)).ToList();
    }

    /// <summary>The line without a trailing <c># comment</c> outside quotes.</summary>
    private static string StripComment(string text)
    {
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\'')
                quoted = !quoted;
            else if (!quoted && text[i] == '#' && (i == 0 || char.IsWhiteSpace(text[i - 1])))
                return text[..i];
        }

        return text;
    }

}
