using System.Text.RegularExpressions;

namespace EvoR.Pipeline.Generation;

/// <summary>How code was taken out of a reply.</summary>
public enum ExtractionKind
{
    /// <summary>From a fenced block (any language tag, or none).</summary>
    Fenced,

    /// <summary>The reply had no fence: the whole reply is the code.</summary>
    WholeReply,

    /// <summary>The reply (or every block in it) was empty: there is no code; the step is degraded.</summary>
    Empty,
}

/// <summary>Code taken out of an LLM reply.</summary>
public sealed record ExtractedCode(string Code, ExtractionKind Kind);

/// <summary>
/// Takes the code out of a reply: the fenced blocks (<c>```</c> or <c>~~~</c>, any tag, an unclosed last fence runs to
/// the end), preferring blocks tagged with the problem's language, then the longest; no fence → the whole reply;
/// nothing → <see cref="ExtractionKind.Empty"/>. Never throws on any text.
/// </summary>
public static partial class CodeExtractor
{
    [GeneratedRegex(@"^[ \t]*(?<fence>`{3,}|~{3,})[ \t]*(?<tag>[^\s`~{]*)[^\n]*\n(?<body>.*?)(?:^[ \t]*\k<fence>[`~]*[ \t]*$|\z)",
        RegexOptions.Multiline | RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FenceRegex();

    private static readonly Dictionary<string, string[]> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["python"] = ["python", "py", "python3", "py3"],
        ["javascript"] = ["javascript", "js", "node"],
        ["typescript"] = ["typescript", "ts"],
        ["csharp"] = ["csharp", "cs", "c#"],
        ["cpp"] = ["cpp", "c++", "cxx"],
        ["lua"] = ["lua"],
        ["nim"] = ["nim"],
        ["c"] = ["c"],
    };

    public static ExtractedCode Extract(string? reply, string? language = null)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return new ExtractedCode("", ExtractionKind.Empty);
        }

        var text = reply.Replace("\r\n", "\n", StringComparison.Ordinal);
        List<(string Tag, string Body)> blocks;
        try
        {
            blocks = [.. FenceRegex().Matches(text).Select(m => (m.Groups["tag"].Value, m.Groups["body"].Value.TrimEnd()))];
        }
        catch (RegexMatchTimeoutException)
        {
            blocks = [];
        }

        if (blocks.Count == 0)
        {
            return new ExtractedCode(text.Trim('\n').TrimEnd(), ExtractionKind.WholeReply);
        }

        var tags = language is not null && Aliases.TryGetValue(language, out var a) ? a : language is null ? [] : [language];
        var nonEmpty = blocks.Where(b => b.Body.Trim().Length > 0).ToList();
        if (nonEmpty.Count == 0)
        {
            return new ExtractedCode("", ExtractionKind.Empty);
        }

        var tagged = nonEmpty.Where(b => tags.Contains(b.Tag, StringComparer.OrdinalIgnoreCase)).ToList();
        var chosen = (tagged.Count > 0 ? tagged : nonEmpty).MaxBy(b => b.Body.Length);
        return new ExtractedCode(chosen.Body, ExtractionKind.Fenced);
    }
}
