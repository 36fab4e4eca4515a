using System.Text;

namespace EvoR.Pipeline.Knowledge;

/// <summary>A file as uploaded: its path relative to the uploaded folder and its bytes.</summary>
public sealed record UploadedFile(string Path, byte[] Content);

/// <summary>A file that did not become a document, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// Turns documentation files into documents: Markdown (<c>.md</c>, <c>.markdown</c>) as it is, HTML (<c>.html</c>,
/// <c>.htm</c>) as text through <see cref="HtmlText"/>, reStructuredText (<c>.rst</c>) with its headings as Markdown
/// headings (<see cref="RstText"/>), plain text (<c>.txt</c>, <c>.text</c>) as it is. A document's id and provenance
/// file are its normalised relative path (<c>/</c> separators), after an optional prefix.
/// </summary>
public static class DocumentFiles
{
    public static IReadOnlyList<string> Extensions { get; } = [".md", ".markdown", ".html", ".htm", ".rst", ".txt", ".text"];

    /// <summary>The normalised relative path (<c>a/b.md</c>), or null for a path that leaves its folder, is absolute
    /// after normalising, or is hidden (a segment starting with '.', e.g. <c>.git/</c>).</summary>
    public static string? NormalisePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s != ".")
            .ToList();
        if (segments.Count == 0 || segments.Any(s => s == ".." || s.StartsWith('.') || s.Any(char.IsControl)))
        {
            return null;
        }

        return string.Join('/', segments);
    }

    /// <summary>The documents of <paramref name="files"/>, in path order, and the files that are not documents.</summary>
    public static (IReadOnlyList<KnowledgeDocument> Documents, IReadOnlyList<SkippedFile> Skipped) Read(
        IEnumerable<UploadedFile> files, IngestionDefaults? defaults = null, string? idPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        defaults ??= new IngestionDefaults();
        var documents = new List<KnowledgeDocument>();
        var skipped = new List<SkippedFile>();
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (NormalisePath(file.Path) is not { } relative)
            {
                skipped.Add(new SkippedFile(file.Path, "hidden file or a path outside the folder"));
                continue;
            }

            var extension = Path.GetExtension(relative).ToLowerInvariant();
            if (!Extensions.Contains(extension))
            {
                skipped.Add(new SkippedFile(relative, $"not Markdown, HTML, reStructuredText or text ({string.Join(", ", Extensions)})"));
                continue;
            }

            var raw = Decode(file.Content);
            var (text, title) = extension switch
            {
                ".html" or ".htm" => HtmlText.ToMarkdown(raw),
                ".rst" => RstText.ToMarkdown(raw),
                _ => (raw, null),
            };
            if (string.IsNullOrWhiteSpace(text))
            {
                skipped.Add(new SkippedFile(relative, "no text"));
                continue;
            }

            var id = string.IsNullOrEmpty(idPrefix) ? relative : $"{idPrefix.Trim('/')}/{relative}";
            documents.Add(new KnowledgeDocument
            {
                Id = id,
                Text = text,
                Title = title ?? MarkdownChunker.FirstHeading(text) ?? Path.GetFileNameWithoutExtension(relative),
                Source = defaults.Source,
                Language = defaults.Language,
                Library = defaults.Library,
                Provenance = new Provenance { File = relative },
            });
        }

        return (documents, skipped);
    }

    /// <summary>UTF-8 (a byte-order mark of UTF-8 or UTF-16 is honoured); invalid bytes become U+FFFD.</summary>
    private static string Decode(byte[] content)
    {
        using var reader = new StreamReader(new MemoryStream(content), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
