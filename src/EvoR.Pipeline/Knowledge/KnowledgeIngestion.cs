using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvoR.Pipeline.Knowledge;

/// <summary>Defaults applied to ingested documents that do not say otherwise.</summary>
public sealed record IngestionDefaults
{
    public SourceKind Source { get; init; } = SourceKind.Documentation;

    public string? Language { get; init; }

    public string? Library { get; init; }
}

/// <summary>Reads documents from a folder of Markdown files or from JSON Lines.</summary>
public static class KnowledgeIngestion
{
    private static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Every <c>*.md</c> file under <paramref name="folder"/> (recursively, in ordinal path order) as one document:
    /// id and provenance file are the path relative to the folder with <c>/</c> separators, title its first heading.
    /// </summary>
    public static async IAsyncEnumerable<KnowledgeDocument> ReadMarkdownFolderAsync(
        string folder,
        IngestionDefaults? defaults = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        defaults ??= new IngestionDefaults();
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"Folder '{folder}' does not exist.", "folder");
        }

        var files = Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Select(f => (Full: f, Relative: Path.GetRelativePath(root, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
        foreach (var (full, relative) in files)
        {
            var text = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
            yield return new KnowledgeDocument
            {
                Id = relative,
                Text = text,
                Title = MarkdownChunker.FirstHeading(text) ?? Path.GetFileNameWithoutExtension(relative),
                Source = defaults.Source,
                Language = defaults.Language,
                Library = defaults.Library,
                Provenance = new Provenance { File = relative },
            };
        }
    }

    /// <summary>
    /// One document per non-blank line: <c>{"id","text","title","source","language","library","url","file",
    /// "problemId","round","jobId"}</c> (only <c>text</c> is required; a nested <c>provenance</c> object is accepted too).
    /// </summary>
    /// <exception cref="KnowledgeException">A line is not valid JSON, has no text, or names an unknown source kind.</exception>
    public static async IAsyncEnumerable<KnowledgeDocument> ReadJsonLinesAsync(
        Stream stream,
        IngestionDefaults? defaults = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        defaults ??= new IngestionDefaults();
        using var reader = new StreamReader(stream, leaveOpen: true);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            DocumentLine? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<DocumentLine>(line, LineOptions);
            }
            catch (JsonException ex)
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"Line {number} is not valid JSON: {ex.Message}", $"line[{number}]", ex);
            }

            if (parsed is null || string.IsNullOrWhiteSpace(parsed.Text))
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"Line {number} has no text.", $"line[{number}].text");
            }

            var provenance = parsed.Provenance ?? new Provenance();
            provenance = provenance with
            {
                Url = parsed.Url ?? provenance.Url,
                File = parsed.File ?? provenance.File,
                ProblemId = parsed.ProblemId ?? provenance.ProblemId,
                Round = parsed.Round ?? provenance.Round,
                JobId = parsed.JobId ?? provenance.JobId,
            };
            yield return new KnowledgeDocument
            {
                Id = parsed.Id,
                Text = parsed.Text,
                Title = parsed.Title ?? MarkdownChunker.FirstHeading(parsed.Text),
                Source = parsed.Source is null ? defaults.Source : SourceKinds.Parse(parsed.Source, $"line[{number}].source"),
                Language = parsed.Language ?? defaults.Language,
                Library = parsed.Library ?? defaults.Library,
                Provenance = provenance == new Provenance() ? null : provenance,
            };
        }
    }

    private sealed record DocumentLine
    {
        public string? Id { get; init; }

        public string? Text { get; init; }

        public string? Title { get; init; }

        public string? Source { get; init; }

        public string? Language { get; init; }

        public string? Library { get; init; }

        public string? Url { get; init; }

        public string? File { get; init; }

        [JsonPropertyName("problemId")]
        public string? ProblemId { get; init; }

        public int? Round { get; init; }

        [JsonPropertyName("jobId")]
        public string? JobId { get; init; }

        public Provenance? Provenance { get; init; }
    }
}
