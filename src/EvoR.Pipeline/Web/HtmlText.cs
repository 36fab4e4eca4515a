using System.Net;
using System.Text.RegularExpressions;

namespace EvoR.Pipeline.Web;

/// <summary>
/// HTML to readable plain text: drops comments and the content of script, style, noscript, svg, head, nav, footer
/// and template elements, turns block elements and &lt;br&gt; into line breaks, removes the remaining tags, decodes
/// entities and collapses whitespace. Regex-based and linear; good for search snippets and documentation pages.
/// </summary>
public static partial class HtmlText
{
    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"<(script|style|noscript|svg|head|nav|footer|template)\b[^>]*>.*?</\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Hidden();

    [GeneratedRegex(@"<(br|/?p|/?div|/?li|/?ul|/?ol|/?tr|/?h[1-6]|/?pre|/?section|/?article|/?blockquote|/?table)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Blocks();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"[ \t\f\v\u00A0]+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\n\s*\n\s*(\n\s*)+")]
    private static partial Regex BlankLines();

    [GeneratedRegex(@"<title\b[^>]*>(.*?)</title\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex TitleTag();

    public static string ToPlainText(string html, int maxChars = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(html);
        var text = Comments().Replace(html, " ");
        text = Hidden().Replace(text, " ");
        text = Blocks().Replace(text, "\n");
        text = Tags().Replace(text, " ");
        text = WebUtility.HtmlDecode(text).Replace("\r", "", StringComparison.Ordinal);
        text = Spaces().Replace(text, " ");
        text = string.Join('\n', text.Split('\n').Select(l => l.Trim()));
        text = BlankLines().Replace(text, "\n\n").Trim();
        return text.Length <= maxChars ? text : text[..maxChars];
    }

    /// <summary>The document's &lt;title&gt;, as text, or null.</summary>
    public static string? Title(string html)
    {
        var match = TitleTag().Match(html);
        return match.Success ? ToPlainText(match.Groups[1].Value) : null;
    }
}
