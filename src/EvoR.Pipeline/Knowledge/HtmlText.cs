using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// HTML as the text a reader sees, parsed by AngleSharp (an HTML5-conformant parser): headings become Markdown
/// headings (so that chunks keep their heading path), paragraphs, list items, table rows and blocks their own lines,
/// <c>pre</c> a fenced code block; scripts, styles, templates, navigation and forms are dropped, and no tag, attribute
/// or entity reaches the text.
/// </summary>
public static class HtmlText
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "nav", "head", "svg", "form", "button", "iframe", "object",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "ul", "ol", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "figure", "figcaption", "details", "summary", "hr", "br",
    };

    /// <summary>The text, and the title (<c>&lt;title&gt;</c>, else the first <c>h1</c>) or null.</summary>
    public static (string Text, string? Title) ToMarkdown(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var document = new HtmlParser().ParseDocument(html);
        var title = Clean(document.Title);
        var body = document.Body ?? (INode)document.DocumentElement;
        var output = new StringBuilder();
        Walk(body, output);
        var text = Tidy(output.ToString());
        title ??= Clean(document.QuerySelector("h1")?.TextContent);
        return (text, title);
    }

    private static void Walk(INode node, StringBuilder output)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    output.Append(Collapse(text.Data));
                    break;
                case IElement element when Dropped.Contains(element.LocalName):
                    break;
                case IElement element when element.LocalName is ['h', >= '1' and <= '6'] name:
                    output.Append("\n\n").Append('#', name[1] - '0').Append(' ')
                        .Append(Clean(element.TextContent)).Append("\n\n");
                    break;
                case IElement element when element.LocalName == "pre":
                    output.Append("\n\n```\n").Append(element.TextContent.TrimEnd()).Append("\n```\n\n");
                    break;
                case IElement element when element.LocalName == "li":
                    output.Append("\n- ");
                    Walk(element, output);
                    output.Append('\n');
                    break;
                case IElement element when element.LocalName is "td" or "th":
                    Walk(element, output);
                    output.Append(" | ");
                    break;
                case IElement element when element.LocalName == "code":
                    output.Append('`').Append(Collapse(element.TextContent)).Append('`');
                    break;
                case IElement element when Blocks.Contains(element.LocalName):
                    output.Append("\n\n");
                    Walk(element, output);
                    output.Append("\n\n");
                    break;
                case IElement element:
                    Walk(element, output);
                    break;
            }
        }
    }

    private static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        if (space)
        {
            builder.Append(' ');
        }

        return builder.ToString();
    }

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : Collapse(text).Trim();

    /// <summary>Lines trimmed at their end, runs of blank lines as one, code blocks left as they are.</summary>
    private static string Tidy(string text)
    {
        var lines = new List<string>();
        var inCode = false;
        foreach (var raw in text.Split('\n'))
        {
            if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                lines.Add(raw.Trim());
                continue;
            }

            var line = inCode ? raw.TrimEnd() : raw.Trim();
            if (!inCode && line.Length == 0 && (lines.Count == 0 || lines[^1].Length == 0))
            {
                continue;
            }

            lines.Add(line);
        }

        return string.Join('\n', lines).Trim();
    }
}
