using System.Text;
using System.Text.RegularExpressions;

namespace EvoR.Pipeline.Knowledge;

/// <summary>A piece of a document before it is stored: its heading path, text and token count.</summary>
public sealed record ChunkDraft(string Heading, string Text, int Tokens);

/// <summary>
/// Splits Markdown on ATX headings (<c>#</c> to <c>######</c>, never inside fenced code) into sections, each
/// prefixed with its heading path, and caps every chunk at a token budget: an oversized section is packed
/// paragraph by paragraph (a fenced block counts as one paragraph), then line by line, then word by word.
/// Text without headings is one section.
/// </summary>
public static partial class MarkdownChunker
{
    [GeneratedRegex(@"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")]
    private static partial Regex HeadingRegex();

    [GeneratedRegex(@"^ {0,3}(```|~~~)")]
    private static partial Regex FenceRegex();

    /// <summary>The first heading of <paramref name="markdown"/>, or null.</summary>
    public static string? FirstHeading(string markdown)
    {
        var inFence = false;
        foreach (var line in markdown.AsSpan().EnumerateLines())
        {
            var text = line.ToString();
            if (FenceRegex().IsMatch(text))
            {
                inFence = !inFence;
                continue;
            }

            if (!inFence && HeadingRegex().Match(text) is { Success: true } m && m.Groups[2].Length > 0)
            {
                return m.Groups[2].Value;
            }
        }

        return null;
    }

    /// <summary>
    /// Chunks <paramref name="markdown"/> into pieces of at most <paramref name="maxTokens"/> tokens. A
    /// <paramref name="title"/> that is not already the first heading becomes the root of every heading path, so each
    /// chunk says which document it belongs to.
    /// </summary>
    public static IReadOnlyList<ChunkDraft> Chunk(string markdown, int maxTokens, string? title = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 8);
        var chunks = new List<ChunkDraft>();
        var path = new List<(int Level, string Title)>();
        var body = new List<string>();
        var heading = WithTitle(title, "");
        var inFence = false;

        foreach (var raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (FenceRegex().IsMatch(raw))
            {
                inFence = !inFence;
            }
            else if (!inFence && HeadingRegex().Match(raw) is { Success: true } m)
            {
                Flush(chunks, heading, body, maxTokens);
                var level = m.Groups[1].Length;
                path.RemoveAll(p => p.Level >= level);
                path.Add((level, m.Groups[2].Value));
                heading = WithTitle(title, string.Join(" > ", path.Select(p => p.Title)));
                continue;
            }

            body.Add(raw);
        }

        Flush(chunks, heading, body, maxTokens);
        return chunks;
    }

    private static string WithTitle(string? title, string heading) =>
        string.IsNullOrWhiteSpace(title) || heading.StartsWith(title, StringComparison.Ordinal) ? heading
        : heading.Length == 0 ? title.Trim()
        : title.Trim() + " > " + heading;

    private static void Flush(List<ChunkDraft> chunks, string heading, List<string> body, int maxTokens)
    {
        var text = string.Join('\n', body).Trim('\n', '\r', ' ', '\t');
        body.Clear();
        if (text.Length == 0)
        {
            return;
        }

        var headingTokens = heading.Length == 0 ? 0 : ApproximateTokenCounter.Count(heading);
        // A heading path that eats most of the budget is itself cut down to a quarter of it.
        if (headingTokens > maxTokens / 4)
        {
            heading = TakeTokens(heading, maxTokens / 4);
            headingTokens = ApproximateTokenCounter.Count(heading);
        }

        var budget = maxTokens - headingTokens;
        foreach (var piece in Split(text, budget))
        {
            var full = heading.Length == 0 ? piece : heading + "\n\n" + piece;
            chunks.Add(new ChunkDraft(heading, full, ApproximateTokenCounter.Count(full)));
        }
    }

    /// <summary>Packs paragraphs, then lines, then words greedily into pieces of at most <paramref name="budget"/> tokens.</summary>
    private static IEnumerable<string> Split(string text, int budget)
    {
        if (ApproximateTokenCounter.Count(text) <= budget)
        {
            yield return text;
            yield break;
        }

        var pieces = new List<string>();
        var current = new StringBuilder();
        var currentTokens = 0;
        foreach (var paragraph in Paragraphs(text))
        {
            foreach (var unit in Units(paragraph, budget))
            {
                var tokens = ApproximateTokenCounter.Count(unit.Text);
                if (currentTokens > 0 && currentTokens + tokens > budget)
                {
                    pieces.Add(current.ToString().Trim());
                    current.Clear();
                    currentTokens = 0;
                }

                if (current.Length > 0)
                {
                    current.Append(unit.Separator);
                }

                current.Append(unit.Text);
                currentTokens += tokens;
            }
        }

        if (currentTokens > 0)
        {
            pieces.Add(current.ToString().Trim());
        }

        foreach (var piece in pieces)
        {
            if (piece.Length > 0)
            {
                yield return piece;
            }
        }
    }

    private static IEnumerable<string> Paragraphs(string text)
    {
        var current = new StringBuilder();
        var inFence = false;
        foreach (var line in text.Split('\n'))
        {
            if (FenceRegex().IsMatch(line))
            {
                inFence = !inFence;
            }

            if (!inFence && line.Trim().Length == 0)
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }

                continue;
            }

            if (current.Length > 0)
            {
                current.Append('\n');
            }

            current.Append(line);
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    /// <summary>A paragraph as one unit when it fits, else its lines, else the words of an oversized line.</summary>
    private static IEnumerable<(string Text, string Separator)> Units(string paragraph, int budget)
    {
        if (ApproximateTokenCounter.Count(paragraph) <= budget)
        {
            yield return (paragraph, "\n\n");
            yield break;
        }

        var first = true;
        foreach (var line in paragraph.Split('\n'))
        {
            if (ApproximateTokenCounter.Count(line) <= budget)
            {
                yield return (line, first ? "\n\n" : "\n");
            }
            else
            {
                var rest = line;
                while (rest.Length > 0)
                {
                    var head = TakeTokens(rest, budget);
                    yield return (head, first ? "\n\n" : "\n");
                    rest = rest[head.Length..].TrimStart();
                    first = false;
                }
            }

            first = false;
        }
    }

    /// <summary>The longest prefix of <paramref name="text"/> with at most <paramref name="tokens"/> tokens (at least one character).</summary>
    private static string TakeTokens(string text, int tokens)
    {
        var count = 0;
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var starts = char.IsLetterOrDigit(c) ? !inWord : !char.IsWhiteSpace(c);
            inWord = char.IsLetterOrDigit(c);
            if (starts && ++count > tokens)
            {
                return i == 0 ? text[..1] : text[..i];
            }
        }

        return text;
    }
}
